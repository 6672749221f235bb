"""A small GitHub agent for the service-cassette suite: lists a repository's open issues and comments on the first.

    GITHUB_API_URL=http://127.0.0.1:PORT GITHUB_TOKEN=... python robot/e2e/agents/issue_reader.py acme/app

Prints ``<number> <title> | commented <comment id>``, or the HTTP error it got.
"""

from __future__ import annotations

import os
import sys

import httpx


def main(repository: str) -> int:
    headers = {"authorization": f"Bearer {os.environ['GITHUB_TOKEN']}", "accept": "application/vnd.github+json"}
    with httpx.Client(base_url=os.environ["GITHUB_API_URL"], headers=headers, timeout=10) as github:
        listed = github.get(f"/repos/{repository}/issues", params={"state": "open", "per_page": 5})
        if listed.status_code != 200:
            print(f"listing failed: HTTP {listed.status_code}")
            return 1
        issue = listed.json()[0]
        comment = github.post(f"/repos/{repository}/issues/{issue['number']}/comments", json={"body": "Triaged."})
        if comment.status_code != 201:
            print(f"commenting failed: HTTP {comment.status_code}")
            return 1
        print(f"{issue['number']} {issue['title']} | commented {comment.json()['id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
