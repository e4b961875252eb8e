use super::*;

fn focus(site: Option<&str>, only: Option<&[&str]>, detail: &[&str]) -> Focus {
    Focus {
        site: site.map(String::from),
        refresh: 0,
        detail: detail.iter().map(|s| s.to_string()).collect(),
        only: only.map(|o| o.iter().map(|s| s.to_string()).collect()),
        round_detail: BTreeSet::new(),
    }
}

fn want(only: Option<&[&str]>, detail: &[&str]) -> Want {
    Want {
        only: only.map(|o| o.iter().map(|s| s.to_string()).collect()),
        detail: detail.iter().map(|s| s.to_string()).collect(),
        round_detail: BTreeSet::new(),
    }
}

#[test]
fn the_leader_polls_the_union_of_what_every_process_watches() {
    // A `wait --site pay` leader; a console joins (every site, shop on screen).
    let local = focus(Some("pay"), Some(&["pay"]), &[]);
    let mut board = Board::default();
    assert_eq!(union(&local, &board), local);
    board.wants.insert(1, want(None, &["shop"]));
    let u = union(&local, &board);
    assert_eq!(u.site.as_deref(), Some("pay"));
    assert_eq!(u.only, None, "the console watches every site");
    assert_eq!(u.detail, ["shop".to_string()].into_iter().collect());
    // Two `status --watch --site` joiners: only their sites, both in detail.
    let mut board = Board::default();
    board.wants.insert(1, want(Some(&["a"]), &["a"]));
    board.wants.insert(2, want(Some(&["b"]), &["b", "pay"]));
    let u = union(&local, &board);
    assert_eq!(
        u.only,
        Some(["a", "b", "pay"].iter().map(|s| s.to_string()).collect())
    );
    // The leader's own focus is not read twice.
    assert_eq!(u.detail, ["a", "b"].iter().map(|s| s.to_string()).collect());
    // A joiner that has not said what it watches widens nothing.
    let mut board = Board::default();
    board.wants.insert(1, Want::nothing());
    assert_eq!(union(&local, &board), local);
}

#[test]
fn a_joiners_refresh_makes_the_leader_read_again() {
    let local = focus(None, None, &[]);
    let mut board = Board::default();
    let before = union(&local, &board).refresh;
    board.refreshes += 1;
    assert_ne!(union(&local, &board).refresh, before);
}

#[test]
fn a_joiner_gets_only_the_sites_it_watches() {
    let w = want(Some(&["a"]), &["b"]);
    assert!(w.wants("a") && w.wants("b") && !w.wants("c"));
    assert!(want(None, &[]).wants("anything"));
    assert!(!Want::nothing().wants("a"));
}

#[test]
fn sites_a_joiner_adds_are_read_at_once() {
    let set = |v: &[&str]| {
        Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<String>>(),
        )
    };
    assert!(widens(&set(&["a"]), &None));
    assert!(widens(&set(&["a"]), &set(&["a", "b"])));
    assert!(!widens(&set(&["a", "b"]), &set(&["a"])));
    assert!(!widens(&None, &set(&["a"])));
    assert!(!widens(&None, &None));
}

#[test]
fn a_site_read_in_detail_by_the_detail_loop_is_not_read_in_detail_by_the_rounds_too() {
    // A `status --watch --site shop` leader; a console with shop on screen joins.
    let mut local = focus(None, Some(&["shop"]), &[]);
    local.round_detail.insert("shop".into());
    let mut board = Board::default();
    board.wants.insert(1, want(None, &["shop"]));
    let u = union(&local, &board);
    assert!(u.detail.contains("shop"));
    assert!(u.round_detail.is_empty(), "{u:?}");
    // The console leaves: the rounds read shop in detail again.
    board.wants.clear();
    assert!(union(&local, &board).round_detail.contains("shop"));
}

/// With no joiner, the leader keeps a site's latest message unwritten; the first joiner to ask
/// for it gets the same line it would have been sent, and the line is kept for the next.
#[test]
fn a_sites_latest_is_written_when_a_joiner_first_asks_for_it() {
    let site = crate::config::parse(
        "[[site]]\nname = \"shop\"\nzone = \"Z1\"\nrecord = \"shop.example.com\"\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap()
    .sites
    .remove(0);
    let observations = Arc::new(crate::poll::round::blank(&site));
    let m = ToJoiner::Site {
        index: 0,
        name: "shop".into(),
        observations: observations.clone(),
        history: None,
    };
    let expected = wire::line(&m).unwrap();
    let mut latest = Latest::Site {
        index: 0,
        name: "shop".into(),
        observations,
    };
    assert_eq!(latest.line().as_deref(), Some(expected.as_str()));
    assert!(matches!(&latest, Latest::Line(t) if **t == *expected));
    assert_eq!(latest.line().as_deref(), Some(expected.as_str()));
}
