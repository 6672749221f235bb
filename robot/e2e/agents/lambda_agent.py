"""A small AWS agent for the e2e suites: deploys and lists Lambda functions with boto3.

    python robot/e2e/agents/lambda_agent.py create N    # creates functions agent-fn-1 .. agent-fn-N (and their role)
    python robot/e2e/agents/lambda_agent.py list        # lists every function through the paginator, 2 per page

boto3 finds the endpoint, region and credentials in the environment (``AWS_ENDPOINT_URL`` ...).
Retries: boto3's standard mode with 2 attempts per call. ``list`` prints one name per line;
on an error it prints ``error: ...`` with the pages it had read to stderr and exits 1.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 2})
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}  # fmt: skip


def create(count: int) -> None:
    iam = boto3.client("iam", config=CONFIG)
    role = iam.create_role(RoleName="agent-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    client = boto3.client("lambda", config=CONFIG)
    for number in range(1, count + 1):
        client.create_function(FunctionName=f"agent-fn-{number}", Runtime="python3.12", Role=role,
                               Handler="handler.handle", Code={"ZipFile": package.getvalue()})  # fmt: skip


def list_all() -> list[str]:
    names: list[str] = []
    pages = boto3.client("lambda", config=CONFIG).get_paginator("list_functions")
    try:
        for page in pages.paginate(PaginationConfig={"PageSize": 2}):
            names.extend(function["FunctionName"] for function in page["Functions"])
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error} (read {len(names)} function(s) before it)", file=sys.stderr)
        raise SystemExit(1) from None
    return names


def main(argv: list[str]) -> int:
    if argv[:1] == ["create"] and len(argv) == 2:
        create(int(argv[1]))
        return 0
    if argv == ["list"]:
        print("\n".join(list_all()))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
