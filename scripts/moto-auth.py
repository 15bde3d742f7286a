"""Turns on signature checking in a running moto server and prints the
access key it created, as `KEY SECRET`.

moto accepts any signature until an IAM user with a key exists and
/moto-api/reset-auth is posted (see ../shared/notes/test-servers.md)."""
import sys
import urllib.request

import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="lifeboat")
policy = iam.create_policy(PolicyName="lifeboat-s3", PolicyDocument=
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"*"}]}')
iam.attach_user_policy(UserName="lifeboat", PolicyArn=policy["Policy"]["Arn"])
key = iam.create_access_key(UserName="lifeboat")["AccessKey"]
request = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"})
urllib.request.urlopen(request).read()
print(key["AccessKeyId"], key["SecretAccessKey"])
