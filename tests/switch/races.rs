//! Two operators at once, twenty times: the loser of a race always gets the same outcome,
//! "site S is held by X since T, reason R", exit 7, nothing changed by its run; and a run that
//! finds its work done verifies it with `--wait` rather than claiming it.

use super::support::*;

const HOLDER: &str =
    "site shop is held by arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo since";

/// Races of `maintenance on` from two machines: one wins, the other is told who holds the site
/// and why, whichever step the winner had reached (planning, its journal, its steps, or done);
/// the fail back between races restores AWS exactly. Twenty races, ten to an emulator, so that
/// each half stays well inside the suite's time limit on a loaded machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn races_give_the_loser_one_outcome_first_ten() {
    races(0..10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn races_give_the_loser_one_outcome_next_ten() {
    races(10..20).await;
}

async fn races(which: std::ops::Range<usize>) {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    for n in which {
        let reasons = [format!("race {n} a"), format!("race {n} b")];
        let run = |host: &'static str, reason: &str| {
            env.spawn_output_env(
                &[
                    "maintenance",
                    "on",
                    "--site",
                    "shop",
                    "--yes",
                    "--reason",
                    reason,
                ],
                &[("HOSTNAME", host)],
            )
        };
        let (a, b) = tokio::join!(run("bastion-a", &reasons[0]), run("bastion-b", &reasons[1]));
        let mut codes = [a.code, b.code];
        codes.sort_unstable();
        assert_eq!(codes, [0, 7], "race {n}\na: {a}\nb: {b}");
        let (winner, loser, why) = if a.code == 0 {
            (&a, &b, &reasons[0])
        } else {
            (&b, &a, &reasons[1])
        };
        assert!(
            loser.stderr.contains(HOLDER)
                && loser.stderr.contains(&format!("reason {why:?}"))
                && loser.stderr.contains("nothing was changed by this run"),
            "race {n}: the loser is not told who holds the site:\n{loser}\nwinner:\n{winner}"
        );
        let off = env
            .run(&["maintenance", "off", "--site", "shop", "--yes"])
            .await;
        assert_eq!(off.code, 0, "race {n}: {off}");
        assert_eq!(before, snapshot(&c).await, "race {n}");
    }
}

/// `on --wait` racing a fail back: it never reports success it did not see. When it finds
/// maintenance in effect it verifies it (a MAINTENANCE read after its own start), otherwise it
/// enters maintenance again (the site then ends in MAINTENANCE), waits it out, or is told who
/// holds the site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_wait_racing_a_fail_back_never_claims_maintenance_it_does_not_see() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    for n in 0..5 {
        let on = env.switch("on", "shop", &[]).await;
        assert_eq!(on.code, 0, "round {n}: {on}");
        // The same operator on the same machine runs `on --wait` again while a fail back runs.
        let again = env.spawn_output(&[
            "maintenance",
            "on",
            "--site",
            "shop",
            "--yes",
            "--wait",
            "--timeout",
            "8s",
        ]);
        let off = env.spawn_output(&["maintenance", "off", "--site", "shop", "--yes"]);
        let (again, off) = tokio::join!(again, off);
        let status = env.run(&["status", "--site", "shop"]).await;
        if again.code == 0 {
            let verified = again
                .stdout
                .contains("Verifying (--wait): until shop reads MAINTENANCE")
                && again.stdout.contains("] shop MAINTENANCE");
            assert!(
                verified || status.code == 12,
                "round {n}: `on --wait` said done without seeing it:\n{again}\noff:\n{off}\nstatus:\n{status}"
            );
            assert!(
                !again.stdout.contains("Nothing to do") || verified,
                "round {n}: {again}"
            );
        } else {
            assert!(
                [6, 7].contains(&again.code),
                "round {n}: {again}\noff:\n{off}"
            );
        }
        // Back to live for the next round, whatever happened.
        let back = env
            .run(&["maintenance", "off", "--site", "shop", "--yes", "--force"])
            .await;
        assert!([0].contains(&back.code), "round {n}: {back}");
    }
}
