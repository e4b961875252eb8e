#!/usr/bin/env python3
"""Seeds a moto server with the chain shapes of issue 13 that moto can hold: an ALB in us-west-2
(the callers' default region is eu-west-1), a public and a private hosted zone named example.com
(split horizon), a plain CNAME app.example.com to the ALB, and www.example.com as an alias to
origin.example.com, itself an alias to the ALB. It reads AWS_ENDPOINT_URL and prints the IDs and
ARNs it made as JSON on stdout.

Used by the chains peer test (tests/switch/chains.rs). boto3 comes from the test venv.
"""
import json
import sys

import boto3

REGION = "us-west-2"


def main() -> int:
    ec2 = boto3.client("ec2", region_name=REGION)
    elb = boto3.client("elbv2", region_name=REGION)
    r53 = boto3.client("route53", region_name="us-east-1")

    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i + 1}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    lb = elb.create_load_balancer(Name="west-alb", Subnets=subnets, Type="application", Scheme="internet-facing")["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="west-app", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance", HealthCheckPath="/health"
    )["TargetGroups"][0]
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]

    public = r53.create_hosted_zone(Name="example.com", CallerReference="chains-public")["HostedZone"]
    public_id = public["Id"].split("/")[-1]
    private = r53.create_hosted_zone(
        Name="example.com",
        CallerReference="chains-private",
        VPC={"VPCRegion": REGION, "VPCId": vpc},
        HostedZoneConfig={"Comment": "inside", "PrivateZone": True},
    )["HostedZone"]
    private_id = private["Id"].split("/")[-1]
    alb = {"HostedZoneId": lb["CanonicalHostedZoneId"], "DNSName": lb["DNSName"], "EvaluateTargetHealth": False}
    r53.change_resource_record_sets(
        HostedZoneId=public_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "app.example.com",
                        "Type": "CNAME",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": lb["DNSName"]}],
                    },
                },
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {"Name": "origin.example.com", "Type": "A", "AliasTarget": alb},
                },
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "www.example.com",
                        "Type": "A",
                        "AliasTarget": {"HostedZoneId": public_id, "DNSName": "origin.example.com", "EvaluateTargetHealth": False},
                    },
                },
            ]
        },
    )
    r53.change_resource_record_sets(
        HostedZoneId=private_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {"Name": "app.example.com", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.20.1.10"}]},
                }
            ]
        },
    )
    json.dump(
        {
            "public_zone_id": public_id,
            "private_zone_id": private_id,
            "load_balancer_arn": lb["LoadBalancerArn"],
            "load_balancer_dns": lb["DNSName"],
            "listener_arn": listener["ListenerArn"],
            "target_group_arn": tg["TargetGroupArn"],
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
