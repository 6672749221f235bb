"""A small GitHub client for the e2e suites: lists a repository's open issues with PyGithub, page by page.

    python robot/e2e/agents/issue_lister.py OWNER/REPO     # one issue title a line

PyGithub finds the API at ``GITHUB_API_URL`` with ``GITHUB_TOKEN``; it follows GitHub's ``Link`` headers
30 issues a page and does not retry (``retry=None``). On an error it prints
``listing failed: HTTP STATUS after N issue(s)`` to stderr and exits 1.
"""

from __future__ import annotations

import os
import sys

from github import Auth, Github, GithubException


def main(argv: list[str]) -> int:
    github = Github(base_url=os.environ["GITHUB_API_URL"], auth=Auth.Token(os.environ.get("GITHUB_TOKEN", "")),
                    retry=None, per_page=30)  # fmt: skip
    listed = 0
    try:
        for issue in github.get_repo(argv[0]).get_issues(state="open"):
            print(issue.title)
            listed += 1
    except GithubException as error:
        print(f"listing failed: HTTP {error.status} after {listed} issue(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
