"""Which proxy a call to Microsoft goes through (CALSYNC_HTTPS_PROXY, HTTPS_PROXY, NO_PROXY)."""

from __future__ import annotations

import pytest

from calsync.outlook.connection.proxy import proxy_for

GRAPH = "https://graph.microsoft.com/v1.0"


@pytest.mark.parametrize(
    ("environ", "url", "expected"),
    [
        ({}, GRAPH, None),
        ({"HTTPS_PROXY": "http://proxy:3128"}, GRAPH, "http://proxy:3128"),
        ({"https_proxy": "http://lower:3128"}, GRAPH, "http://lower:3128"),
        ({"HTTP_PROXY": "http://plain:3128"}, GRAPH, None),  # an https call wants HTTPS_PROXY
        ({"HTTP_PROXY": "http://plain:3128"}, "http://127.0.0.1:8000", "http://plain:3128"),
        (
            {"HTTPS_PROXY": "http://proxy:3128", "CALSYNC_HTTPS_PROXY": "http://ours:8080"},
            GRAPH,
            "http://ours:8080",
        ),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "graph.microsoft.com"}, GRAPH, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".microsoft.com"}, GRAPH, None),
        (
            {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "login.microsoftonline.com"},
            GRAPH,
            "http://proxy:3128",
        ),
        ({"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "*"}, GRAPH, None),
    ],
)
def test_the_proxy_for_a_call(environ: dict[str, str], url: str, expected: str | None) -> None:
    assert proxy_for(url, environ) == expected
