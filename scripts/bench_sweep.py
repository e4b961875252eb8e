#!/usr/bin/env python3
"""The runbook sweep of one site, as an operator would script it: the 7 read calls that show a
failover site's whole chain. Used by scripts/bench in three ways:

  bench_sweep.py IDS.json            one boto3 process making the 7 calls (what is timed)
  bench_sweep.py IDS.json --timed    the same, printing each call's own time as JSON
  bench_sweep.py IDS.json --awscli   the 7 `aws` commands, one line each (for the awscli sweep)
  bench_sweep.py IDS.json --warm N   N sweeps in this one process, each with new clients made
                                     before its clock starts; prints each sweep's seconds as JSON
                                     (the warm, in-process comparison with switchyard's reads)
  bench_sweep.py --discover          print IDS.json for the account at AWS_ENDPOINT_URL

IDS.json holds zone_id, record, health_check_id, load_balancer_arn, target_group_arn,
distribution_id and alarm_prefix (scripts/moto_seed.py's output, plus alarm_prefix).
The endpoint and credentials come from the environment (AWS_ENDPOINT_URL, ...).
"""
import json
import shlex
import sys
import time

REGION = "eu-west-1"


def calls(ids):
    """The 7 calls: (name, service, region, method, kwargs, awscli words)."""
    zone, record = ids["zone_id"], ids["record"]
    return [
        ("route53 ListResourceRecordSets", "route53", "us-east-1", "list_resource_record_sets",
         {"HostedZoneId": zone, "StartRecordName": record, "StartRecordType": "A", "MaxItems": "2"},
         ["route53", "list-resource-record-sets", "--hosted-zone-id", zone, "--query",
          f"ResourceRecordSets[?Name=='{record}.']"]),
        ("route53 GetHealthCheckStatus", "route53", "us-east-1", "get_health_check_status",
         {"HealthCheckId": ids["health_check_id"]},
         ["route53", "get-health-check-status", "--health-check-id", ids["health_check_id"]]),
        ("route53 TestDNSAnswer", "route53", "us-east-1", "test_dns_answer",
         {"HostedZoneId": zone, "RecordName": record, "RecordType": "A"},
         ["route53", "test-dns-answer", "--hosted-zone-id", zone, "--record-name", record,
          "--record-type", "A"]),
        ("cloudwatch DescribeAlarms", "cloudwatch", REGION, "describe_alarms",
         {"AlarmNamePrefix": ids["alarm_prefix"]},
         ["cloudwatch", "describe-alarms", "--alarm-name-prefix", ids["alarm_prefix"]]),
        ("elbv2 DescribeListeners", "elbv2", REGION, "describe_listeners",
         {"LoadBalancerArn": ids["load_balancer_arn"]},
         ["elbv2", "describe-listeners", "--load-balancer-arn", ids["load_balancer_arn"]]),
        ("elbv2 DescribeTargetHealth", "elbv2", REGION, "describe_target_health",
         {"TargetGroupArn": ids["target_group_arn"]},
         ["elbv2", "describe-target-health", "--target-group-arn", ids["target_group_arn"]]),
        ("cloudfront GetDistribution", "cloudfront", "us-east-1", "get_distribution",
         {"Id": ids["distribution_id"]},
         ["cloudfront", "get-distribution", "--id", ids["distribution_id"]]),
    ]


def sweep(ids, timed):
    import boto3

    clients = {}
    plan = calls(ids)
    for _, service, region, _, _, _ in plan:
        if (service, region) not in clients:
            clients[(service, region)] = boto3.client(service, region_name=region)
    out, failed = {}, []
    for name, service, region, method, kwargs, _ in plan:
        t = time.perf_counter()
        try:
            getattr(clients[(service, region)], method)(**kwargs)
        except Exception as e:  # a runbook prints the error and goes on
            failed.append(f"{name}: {e}")
        out[name] = time.perf_counter() - t
    if timed:
        json.dump({"seconds": out, "failed": failed}, sys.stdout)
    return 0


def warm(ids, rounds):
    """`rounds` sweeps, each timed from its first call to its last, with clients made (and
    boto3's imports and endpoint data loaded) before the clock starts. New clients each time, as
    switchyard's warm bench makes a new session each time: neither reuses a connection or
    anything learnt in an earlier sweep."""
    import boto3

    plan = calls(ids)
    session = boto3.session.Session()
    seconds, failed = [], []
    for _ in range(rounds + 1):
        clients = {}
        for _, service, region, _, _, _ in plan:
            if (service, region) not in clients:
                clients[(service, region)] = session.client(service, region_name=region)
        t = time.perf_counter()
        failed = []
        for name, service, region, method, kwargs, _ in plan:
            try:
                getattr(clients[(service, region)], method)(**kwargs)
            except Exception as e:
                failed.append(f"{name}: {e}")
        seconds.append(time.perf_counter() - t)
    # The first sweep is the warm-up (botocore loads each operation's model on its first use).
    json.dump({"seconds": seconds[1:], "failed": failed, "calls": len(plan)}, sys.stdout)
    return 0


def discover():
    """The IDs of the first failover site of the account (the emulator's alb-cloudfront)."""
    import boto3

    r53 = boto3.client("route53", region_name="us-east-1")
    elb = boto3.client("elbv2", region_name=REGION)
    cf = boto3.client("cloudfront", region_name="us-east-1")
    zone = r53.list_hosted_zones()["HostedZones"][0]["Id"].split("/")[-1]
    records = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    primary = next(r for r in records if r.get("Failover") == "PRIMARY")
    lb = elb.describe_load_balancers()["LoadBalancers"][0]
    tg = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"][0]
    dist = cf.list_distributions()["DistributionList"]["Items"][0]
    json.dump({
        "zone_id": zone,
        "record": primary["Name"].rstrip("."),
        "health_check_id": primary["HealthCheckId"],
        "load_balancer_arn": lb["LoadBalancerArn"],
        "target_group_arn": tg["TargetGroupArn"],
        "distribution_id": dist["Id"],
        "alarm_prefix": lb["LoadBalancerName"].split("-")[0],
    }, sys.stdout)
    return 0


def main():
    if sys.argv[1:] == ["--discover"]:
        return discover()
    with open(sys.argv[1]) as f:
        ids = json.load(f)
    ids.setdefault("alarm_prefix", "shop")
    if "--warm" in sys.argv:
        return warm(ids, int(sys.argv[sys.argv.index("--warm") + 1]))
    if "--awscli" in sys.argv:
        for *_, words in calls(ids):
            print(shlex.join(words))
        return 0
    return sweep(ids, "--timed" in sys.argv)


if __name__ == "__main__":
    sys.exit(main())
