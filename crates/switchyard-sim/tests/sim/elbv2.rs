//! ELBv2 through aws-sdk-elasticloadbalancingv2.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, RuleCondition, RulePriorityPair,
    SourceIpConditionConfig, Tag, TargetDescription, TargetHealthStateEnum,
};
use switchyard_sim::Control;
use switchyard_sim::world::ec2::Behaviour;

use crate::common::{advance, code, elbv2, sim};

struct Arns {
    alb: String,
    nlb: String,
    listener: String,
    nlb_listener: String,
    app_tg: String,
    sorry_tg: String,
}

async fn arns(elb: &aws_sdk_elasticloadbalancingv2::Client) -> Arns {
    let lbs = elb
        .describe_load_balancers()
        .names("portal-alb")
        .names("pay-nlb")
        .send()
        .await
        .unwrap();
    let alb = lbs.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let nlb = lbs.load_balancers()[1]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let listener = elb
        .describe_listeners()
        .load_balancer_arn(&alb)
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();
    let nlb_listener = elb
        .describe_listeners()
        .load_balancer_arn(&nlb)
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();
    let tgs = elb
        .describe_target_groups()
        .names("pay-app")
        .names("pay-sorry")
        .send()
        .await
        .unwrap();
    Arns {
        alb,
        nlb,
        listener,
        nlb_listener,
        app_tg: tgs.target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_string(),
        sorry_tg: tgs.target_groups()[1]
            .target_group_arn()
            .unwrap()
            .to_string(),
    }
}

fn forward(tg: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}

fn fixed(status: &str, body: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code(status)
                .content_type("text/html")
                .message_body(body)
                .build(),
        )
        .build()
}

#[tokio::test]
async fn describe_everything() {
    let sim = sim("demo").await;
    let elb = elbv2(&sim).await;
    let all = elb.describe_load_balancers().send().await.unwrap();
    assert_eq!(all.load_balancers().len(), 5);
    let a = arns(&elb).await;
    let lbs = elb
        .describe_load_balancers()
        .load_balancer_arns(&a.alb)
        .send()
        .await
        .unwrap();
    let lb = &lbs.load_balancers()[0];
    assert_eq!(lb.r#type().unwrap().as_str(), "application");
    assert_eq!(lb.canonical_hosted_zone_id(), Some("Z32O12XQLNTSW2"));
    assert!(
        lb.dns_name()
            .unwrap()
            .ends_with(".eu-west-1.elb.amazonaws.com")
    );
    let page = elb
        .describe_load_balancers()
        .page_size(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.load_balancers().len(), 2);
    let rest = elb
        .describe_load_balancers()
        .marker(page.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.load_balancers().len(), 3);
    let listeners = elb
        .describe_listeners()
        .listener_arns(&a.listener)
        .send()
        .await
        .unwrap();
    let action = &listeners.listeners()[0].default_actions()[0];
    assert_eq!(action.r#type(), Some(&ActionTypeEnum::Forward));
    assert_eq!(action.forward_config().unwrap().target_groups().len(), 1);
    let rules = elb
        .describe_rules()
        .listener_arn(&a.listener)
        .send()
        .await
        .unwrap();
    assert_eq!(rules.rules().len(), 1);
    assert_eq!(
        (rules.rules()[0].priority(), rules.rules()[0].is_default()),
        (Some("default"), Some(true))
    );
    let tgs = elb
        .describe_target_groups()
        .load_balancer_arn(&a.nlb)
        .send()
        .await
        .unwrap();
    assert_eq!(tgs.target_groups().len(), 1);
    assert_eq!(
        tgs.target_groups()[0].health_check_interval_seconds(),
        Some(10)
    );
    let health = elb
        .describe_target_health()
        .target_group_arn(&a.app_tg)
        .send()
        .await
        .unwrap();
    assert!(
        health
            .target_health_descriptions()
            .iter()
            .all(|d| d.target_health().unwrap().state() == Some(&TargetHealthStateEnum::Healthy))
    );
    let err = elb
        .describe_load_balancers()
        .names("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_load_balancer_not_found_exception(), "{err:?}");
    let err = elb
        .describe_target_health()
        .target_group_arn("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/0")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.into_service_error()
            .is_target_group_not_found_exception()
    );
}

#[tokio::test]
async fn switching_an_nlb_listener_to_the_sorry_group_and_back() {
    let sim = sim("demo").await;
    let elb = elbv2(&sim).await;
    let a = arns(&elb).await;
    let before = elb
        .describe_listeners()
        .listener_arns(&a.nlb_listener)
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .default_actions()
        .to_vec();
    elb.modify_listener()
        .listener_arn(&a.nlb_listener)
        .default_actions(forward(&a.sorry_tg))
        .send()
        .await
        .unwrap();
    advance(&sim, 40.0);
    // The app's targets fall out of use; the sorry group's ALB target turns healthy.
    let app = elb
        .describe_target_health()
        .target_group_arn(&a.app_tg)
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.target_health_descriptions()[0]
            .target_health()
            .unwrap()
            .reason()
            .map(|r| r.as_str()),
        Some("Target.NotInUse")
    );
    let sorry = elb
        .describe_target_health()
        .target_group_arn(&a.sorry_tg)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sorry.target_health_descriptions()[0]
            .target_health()
            .unwrap()
            .state(),
        Some(&TargetHealthStateEnum::Healthy)
    );
    // Restore exactly what was there: Describe gives back the same actions.
    elb.modify_listener()
        .listener_arn(&a.nlb_listener)
        .set_default_actions(Some(before.clone()))
        .send()
        .await
        .unwrap();
    let after = elb
        .describe_listeners()
        .listener_arns(&a.nlb_listener)
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .default_actions()
        .to_vec();
    assert_eq!(after, before);
}

#[tokio::test]
async fn modify_listener_validates_as_aws_does() {
    let sim = sim("demo").await;
    let elb = elbv2(&sim).await;
    let a = arns(&elb).await;
    let err = elb
        .modify_listener()
        .listener_arn(&a.nlb_listener)
        .default_actions(fixed("503", "down"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_load_balancer_action_exception(), "{err:?}");
    let long = "x".repeat(1025);
    let err = elb
        .modify_listener()
        .listener_arn(&a.listener)
        .default_actions(fixed("503", &long))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&err), "ValidationError");
    assert!(err.meta().message().unwrap().contains("1024"), "{err:?}");
    let err = elb
        .modify_listener()
        .listener_arn(&a.listener)
        .default_actions(fixed("302", "x"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&err), "ValidationError");
    // An NLB target group does not suit an ALB listener.
    let err = elb
        .modify_listener()
        .listener_arn(&a.listener)
        .default_actions(forward(&a.app_tg))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.is_incompatible_protocols_exception()
            || err.is_target_group_association_limit_exception(),
        "{err:?}"
    );
    let ok = elb
        .modify_listener()
        .listener_arn(&a.listener)
        .default_actions(fixed("503", "<h1>back soon</h1>"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.listeners()[0].default_actions()[0].r#type(),
        Some(&ActionTypeEnum::FixedResponse)
    );
}

#[tokio::test]
async fn maintenance_rules_create_reprioritise_and_delete() {
    let sim = sim("demo").await;
    let elb = elbv2(&sim).await;
    let a = arns(&elb).await;
    let app = elb
        .describe_listeners()
        .listener_arns(&a.listener)
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .default_actions()
        .to_vec();
    let allow = elb
        .create_rule()
        .listener_arn(&a.listener)
        .priority(1)
        .conditions(
            RuleCondition::builder()
                .field("source-ip")
                .source_ip_config(
                    SourceIpConditionConfig::builder()
                        .values("203.0.113.0/24")
                        .build(),
                )
                .build(),
        )
        .set_actions(Some(app))
        .tags(
            Tag::builder()
                .key("switchyard:maintenance")
                .value("portal")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let allow_arn = allow.rules()[0].rule_arn().unwrap().to_string();
    let everyone = RuleCondition::builder()
        .field("path-pattern")
        .values("/*")
        .build();
    let err = elb
        .create_rule()
        .listener_arn(&a.listener)
        .priority(1)
        .conditions(everyone.clone())
        .actions(fixed("503", "down"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_priority_in_use_exception(), "{err:?}");
    let block = elb
        .create_rule()
        .listener_arn(&a.listener)
        .priority(2)
        .conditions(everyone)
        .actions(fixed("503", "down"))
        .send()
        .await
        .unwrap();
    let block_arn = block.rules()[0].rule_arn().unwrap().to_string();
    let rules = elb
        .describe_rules()
        .listener_arn(&a.listener)
        .send()
        .await
        .unwrap();
    let priorities: Vec<&str> = rules.rules().iter().filter_map(|r| r.priority()).collect();
    assert_eq!(priorities, ["1", "2", "default"]);
    let tags = elb
        .describe_tags()
        .resource_arns(&allow_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tag_descriptions()[0].tags()[0].key(),
        Some("switchyard:maintenance")
    );
    // Swapping priorities in one call is allowed; a clash with a third rule is not.
    elb.set_rule_priorities()
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&allow_arn)
                .priority(2)
                .build(),
        )
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&block_arn)
                .priority(1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let default_rule = rules.rules()[2].rule_arn().unwrap().to_string();
    let err = elb
        .delete_rule()
        .rule_arn(&default_rule)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_operation_not_permitted_exception(), "{err:?}");
    elb.delete_rule().rule_arn(&allow_arn).send().await.unwrap();
    elb.delete_rule().rule_arn(&block_arn).send().await.unwrap();
    let err = elb
        .delete_rule()
        .rule_arn(&block_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_rule_not_found_exception());
    assert_eq!(
        elb.describe_rules()
            .listener_arn(&a.listener)
            .send()
            .await
            .unwrap()
            .rules()
            .len(),
        1
    );
}

#[tokio::test]
async fn tags_on_load_balancer_resources() {
    let sim = sim("demo").await;
    let elb = elbv2(&sim).await;
    let a = arns(&elb).await;
    elb.add_tags()
        .resource_arns(&a.listener)
        .resource_arns(&a.alb)
        .tags(
            Tag::builder()
                .key("switchyard:original")
                .value("forward")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let d = elb
        .describe_tags()
        .resource_arns(&a.listener)
        .resource_arns(&a.alb)
        .send()
        .await
        .unwrap();
    assert_eq!(d.tag_descriptions().len(), 2);
    elb.remove_tags()
        .resource_arns(&a.listener)
        .tag_keys("switchyard:original")
        .send()
        .await
        .unwrap();
    let d = elb
        .describe_tags()
        .resource_arns(&a.listener)
        .send()
        .await
        .unwrap();
    assert!(d.tag_descriptions()[0].tags().is_empty());
    let dup = elb
        .add_tags()
        .resource_arns(&a.alb)
        .tags(Tag::builder().key("k").value("1").build())
        .tags(Tag::builder().key("k").value("2").build())
        .send()
        .await
        .unwrap_err();
    assert!(dup.into_service_error().is_duplicate_tag_keys_exception());
}

#[tokio::test]
async fn targets_register_drain_and_fail_with_reason_codes() {
    let sim = sim("demo").await;
    let elb = elbv2(&sim).await;
    let tgs = elb
        .describe_target_groups()
        .names("shop-app")
        .send()
        .await
        .unwrap();
    let tg = tgs.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let state = |elb: aws_sdk_elasticloadbalancingv2::Client, tg: String| async move {
        let h = elb
            .describe_target_health()
            .target_group_arn(&tg)
            .send()
            .await
            .unwrap();
        h.target_health_descriptions()
            .iter()
            .map(|d| {
                let th = d.target_health().unwrap();
                format!(
                    "{} {} {}",
                    d.target().unwrap().id().unwrap(),
                    th.state().unwrap().as_str(),
                    th.reason().map(|r| r.as_str()).unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
    };
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60001".into(),
        behaviour: Behaviour::Timeout,
    })
    .unwrap();
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60002".into(),
        behaviour: Behaviour::Http(502),
    })
    .unwrap();
    advance(&sim, 61.0);
    assert_eq!(
        state(elb.clone(), tg.clone()).await,
        [
            "i-0a1b2c3d4e5f60001 unhealthy Target.Timeout",
            "i-0a1b2c3d4e5f60002 unhealthy Target.ResponseCodeMismatch"
        ]
    );
    elb.deregister_targets()
        .target_group_arn(&tg)
        .targets(
            TargetDescription::builder()
                .id("i-0a1b2c3d4e5f60002")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        state(elb.clone(), tg.clone()).await[1],
        "i-0a1b2c3d4e5f60002 draining Target.DeregistrationInProgress"
    );
    advance(&sim, 301.0);
    assert_eq!(
        state(elb.clone(), tg.clone()).await.len(),
        1,
        "drained after the deregistration delay"
    );
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60002".into(),
        behaviour: Behaviour::Healthy,
    })
    .unwrap();
    elb.register_targets()
        .target_group_arn(&tg)
        .targets(
            TargetDescription::builder()
                .id("i-0a1b2c3d4e5f60002")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        state(elb.clone(), tg.clone()).await[1],
        "i-0a1b2c3d4e5f60002 initial Elb.RegistrationInProgress"
    );
    // A newly registered target is healthy after one passed check (AWS-FACTS.md).
    advance(&sim, 35.0);
    assert_eq!(
        state(elb.clone(), tg.clone()).await[1],
        "i-0a1b2c3d4e5f60002 healthy -"
    );
    let bad = elb
        .register_targets()
        .target_group_arn(&tg)
        .targets(TargetDescription::builder().id("i-nope").build())
        .send()
        .await
        .unwrap_err();
    assert!(bad.into_service_error().is_invalid_target_exception());
    // A stopped instance is unused, with the reason AWS gives.
    sim.control(Control::StopInstance {
        instance: "i-0a1b2c3d4e5f60001".into(),
    })
    .unwrap();
    advance(&sim, 20.0);
    assert_eq!(
        state(elb.clone(), tg.clone()).await[0],
        "i-0a1b2c3d4e5f60001 unused Target.InvalidState"
    );
}
