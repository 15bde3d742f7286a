"""Object Lock checks for the tests, with boto3 (moto's own dependency)
and the backup's own credentials. Usage:
  s3_lock_probe.py ENDPOINT KEY SECRET create BUCKET
  s3_lock_probe.py ENDPOINT KEY SECRET attack BUCKET PREFIX
  s3_lock_probe.py ENDPOINT KEY SECRET versions BUCKET PREFIX
`attack` prints one JSON object: each object's lock mode and date, whether
deleting its version was refused, and whether the original manifest
survived an overwrite (the overwrite is then removed)."""
import json
import sys

import boto3

endpoint, key, secret, action, bucket = sys.argv[1:6]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")
if action == "create":
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    sys.exit(0)
prefix = sys.argv[6]
if action == "versions":
    listing = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    print(len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", [])))
    sys.exit(0)
result = {"objects": {}, "manifestSurvived": None}
for version in s3.list_object_versions(Bucket=bucket, Prefix=prefix).get("Versions", []):
    head = s3.head_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    try:
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
        refused = False
    except Exception as error:  # botocore ClientError: AccessDenied
        refused = "AccessDenied" in str(error)
    result["objects"][version["Key"]] = {"mode": head.get("ObjectLockMode"),
                                         "until": head["ObjectLockRetainUntilDate"].isoformat() if head.get("ObjectLockRetainUntilDate") else None,
                                         "deleteRefused": refused}
manifest = next(k for k in result["objects"] if k.endswith("/manifest.json"))
original = s3.list_object_versions(Bucket=bucket, Prefix=manifest)["Versions"][0]
before = s3.get_object(Bucket=bucket, Key=manifest, VersionId=original["VersionId"])["Body"].read()
junk = s3.put_object(Bucket=bucket, Key=manifest, Body=b"{}")
after = s3.get_object(Bucket=bucket, Key=manifest, VersionId=original["VersionId"])["Body"].read()
result["manifestSurvived"] = before == after
s3.delete_object(Bucket=bucket, Key=manifest, VersionId=junk["VersionId"])
print(json.dumps(result))
