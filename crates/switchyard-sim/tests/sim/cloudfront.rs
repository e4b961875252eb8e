//! CloudFront through aws-sdk-cloudfront.

use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};

use crate::common::{advance, cloudfront, code, sim};

const SORRY: &str = "E1SHOPSORRY0AB";

#[tokio::test]
async fn list_and_get_distributions() {
    let sim = sim("demo").await;
    let cf = cloudfront(&sim).await;
    let list = cf.list_distributions().send().await.unwrap();
    let list = list.distribution_list().unwrap();
    assert_eq!(list.quantity(), 3);
    let s = &list.items()[0];
    assert_eq!((s.id(), s.status(), s.enabled()), (SORRY, "Deployed", true));
    assert_eq!(s.aliases().unwrap().items(), ["www.example.com"]);
    let page = cf.list_distributions().max_items(2).send().await.unwrap();
    let page = page.distribution_list().unwrap();
    assert!(page.is_truncated());
    let rest = cf
        .list_distributions()
        .marker(page.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.distribution_list().unwrap().quantity(), 1);
    let d = cf.get_distribution().id(SORRY).send().await.unwrap();
    assert!(d.e_tag().unwrap().starts_with('E'));
    let dist = d.distribution().unwrap();
    assert_eq!(dist.domain_name(), "d1shopsorry0ab.cloudfront.net");
    let cer = dist
        .distribution_config()
        .unwrap()
        .custom_error_responses()
        .unwrap();
    assert_eq!(
        cer.items()[0].response_page_path(),
        Some("/maintenance.html")
    );
    assert_eq!(cer.items()[0].response_code(), Some("503"));
    let err = cf
        .get_distribution()
        .id("ENOSUCHDIST00")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&err), "NoSuchDistribution");
}

#[tokio::test]
async fn an_update_needs_the_current_etag_and_deploys_for_a_while() {
    let sim = sim("demo").await;
    let cf = cloudfront(&sim).await;
    let got = cf.get_distribution_config().id(SORRY).send().await.unwrap();
    let etag = got.e_tag().unwrap().to_string();
    let original = got.distribution_config().unwrap().clone();
    let mut changed = original.clone();
    changed.comment = "shop sorry page (maintenance 2026-11-22)".into();
    let updated = cf
        .update_distribution()
        .id(SORRY)
        .if_match(&etag)
        .distribution_config(changed.clone())
        .send()
        .await
        .unwrap();
    let new_etag = updated.e_tag().unwrap().to_string();
    assert_ne!(new_etag, etag, "every change gives a new ETag");
    assert_eq!(updated.distribution().unwrap().status(), "InProgress");
    let stale = cf
        .update_distribution()
        .id(SORRY)
        .if_match(&etag)
        .distribution_config(original.clone())
        .send()
        .await
        .unwrap_err();
    let stale = stale.into_service_error();
    assert!(stale.is_precondition_failed(), "{stale:?}");
    // Deploying takes 0.75 to 1.5 times the scenario's 240 s, varying from change to change.
    advance(&sim, 179.0);
    assert_eq!(
        cf.get_distribution()
            .id(SORRY)
            .send()
            .await
            .unwrap()
            .distribution()
            .unwrap()
            .status(),
        "InProgress"
    );
    advance(&sim, 182.0);
    assert_eq!(
        cf.get_distribution()
            .id(SORRY)
            .send()
            .await
            .unwrap()
            .distribution()
            .unwrap()
            .status(),
        "Deployed"
    );
    // Putting the original back restores the config exactly.
    cf.update_distribution()
        .id(SORRY)
        .if_match(&new_etag)
        .distribution_config(original.clone())
        .send()
        .await
        .unwrap();
    let back = cf.get_distribution_config().id(SORRY).send().await.unwrap();
    assert_eq!(back.distribution_config().unwrap(), &original);
    let missing = cf
        .update_distribution()
        .id(SORRY)
        .distribution_config(original)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&missing.into_service_error()), "InvalidIfMatchVersion");
}

#[tokio::test]
async fn invalidations_go_in_progress_then_completed() {
    let sim = sim("demo").await;
    let cf = cloudfront(&sim).await;
    let batch = InvalidationBatch::builder()
        .caller_reference("switchyard-shop-1")
        .paths(
            Paths::builder()
                .quantity(2)
                .items("/maintenance.html")
                .items("/")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let created = cf
        .create_invalidation()
        .distribution_id(SORRY)
        .invalidation_batch(batch.clone())
        .send()
        .await
        .unwrap();
    let inv = created.invalidation().unwrap();
    assert_eq!(inv.status(), "InProgress");
    assert!(created.location().unwrap().ends_with(inv.id()));
    let id = inv.id().to_string();
    // The same caller reference gives the same invalidation back.
    let again = cf
        .create_invalidation()
        .distribution_id(SORRY)
        .invalidation_batch(batch)
        .send()
        .await
        .unwrap();
    assert_eq!(again.invalidation().unwrap().id(), id);
    let d = cf.get_distribution().id(SORRY).send().await.unwrap();
    assert_eq!(
        d.distribution().unwrap().in_progress_invalidation_batches(),
        1
    );
    // 0.75 to 1.5 times the scenario's 60 s.
    advance(&sim, 91.0);
    let got = cf
        .get_invalidation()
        .distribution_id(SORRY)
        .id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.invalidation().unwrap().status(), "Completed");
    let list = cf
        .list_invalidations()
        .distribution_id(SORRY)
        .send()
        .await
        .unwrap();
    let list = list.invalidation_list().unwrap();
    assert_eq!(
        (list.quantity(), list.items()[0].status()),
        (1, "Completed")
    );
    let bad = InvalidationBatch::builder()
        .caller_reference("x")
        .paths(
            Paths::builder()
                .quantity(1)
                .items("no-slash")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let err = cf
        .create_invalidation()
        .distribution_id(SORRY)
        .invalidation_batch(bad)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err.into_service_error()), "InvalidArgument");
}
