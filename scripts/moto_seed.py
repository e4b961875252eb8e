#!/usr/bin/env python3
"""Seeds a moto server with one failover site, as the alb-cloudfront scenario describes it:
a hosted zone, an ALB over two AZs with a listener and a target group of two instances,
a CloudFront sorry-page distribution, a Route 53 health check on the ALB and a failover pair.
It reads AWS_ENDPOINT_URL and prints the IDs and ARNs it made as JSON on stdout.

Used by the peer tests and by the benchmark (scripts/bench). boto3 comes from the test venv.
"""
import json
import sys

import boto3

REGION = "eu-west-1"


def main() -> int:
    ec2 = boto3.client("ec2", region_name=REGION)
    elb = boto3.client("elbv2", region_name=REGION)
    r53 = boto3.client("route53", region_name="us-east-1")
    cf = boto3.client("cloudfront", region_name="us-east-1")
    cw = boto3.client("cloudwatch", region_name=REGION)

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i + 1}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    image = images[0]["ImageId"] if images else "ami-12c6146b"
    instances = [
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=s, InstanceType="t3.micro")["Instances"][0]["InstanceId"]
        for s in subnets
    ]
    lb = elb.create_load_balancer(Name="shop-alb", Subnets=subnets, Type="application", Scheme="internet-facing")["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="shop-app", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance", HealthCheckPath="/health"
    )["TargetGroups"][0]
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": i} for i in instances])
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]
    sorry_tg = elb.create_target_group(Name="shop-sorry", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]

    for n, inst in enumerate(instances, 1):
        cw.put_metric_alarm(
            AlarmName=f"shop-app-{n}-StatusCheckFailed",
            Namespace="AWS/EC2",
            MetricName="StatusCheckFailed",
            Dimensions=[{"Name": "InstanceId", "Value": inst}],
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=2,
            Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )

    dist = cf.create_distribution(
        DistributionConfig={
            "CallerReference": "shop-sorry",
            "Aliases": {"Quantity": 1, "Items": ["www.example.com"]},
            "DefaultRootObject": "maintenance.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "S3-shop-sorry",
                        "DomainName": "shop-sorry-page.s3.eu-west-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "S3-shop-sorry",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
            "CustomErrorResponses": {
                "Quantity": 1,
                "Items": [{"ErrorCode": 403, "ResponsePagePath": "/maintenance.html", "ResponseCode": "503", "ErrorCachingMinTTL": 10}],
            },
            "Comment": "shop sorry page",
            "Enabled": True,
        }
    )["Distribution"]

    zone = r53.create_hosted_zone(Name="example.com", CallerReference="shop-zone")["HostedZone"]
    zone_id = zone["Id"].split("/")[-1]
    hc = r53.create_health_check(
        CallerReference="shop-primary",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": lb["DNSName"],
            "Port": 443,
            "ResourcePath": "/health",
            "RequestInterval": 30,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]
    r53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"], AddTags=[{"Key": "Name", "Value": "shop-primary"}])
    # UPSERT, not CREATE: moto 5.2.5 refuses a later CREATE identical to one in its change
    # history while any record of that name and type exists, even in the same batch right after
    # its DELETE (a fail back restores the record with DELETE + CREATE, which Route 53 accepts).
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "www.example.com",
                        "Type": "A",
                        "SetIdentifier": "www-primary",
                        "Failover": "PRIMARY",
                        "HealthCheckId": hc["Id"],
                        "AliasTarget": {"HostedZoneId": lb["CanonicalHostedZoneId"], "DNSName": lb["DNSName"], "EvaluateTargetHealth": False},
                    },
                },
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "www.example.com",
                        "Type": "A",
                        "SetIdentifier": "www-secondary",
                        "Failover": "SECONDARY",
                        "AliasTarget": {"HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": dist["DomainName"], "EvaluateTargetHealth": False},
                    },
                },
            ]
        },
    )
    json.dump(
        {
            "zone_id": zone_id,
            "record": "www.example.com",
            "health_check_id": hc["Id"],
            "load_balancer_arn": lb["LoadBalancerArn"],
            "load_balancer_dns": lb["DNSName"],
            "listener_arn": listener["ListenerArn"],
            "target_group_arn": tg["TargetGroupArn"],
            "sorry_target_group_arn": sorry_tg["TargetGroupArn"],
            "distribution_id": dist["Id"],
            "distribution_domain": dist["DomainName"],
            "instances": instances,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
