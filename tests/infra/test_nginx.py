"""infra/nginx/nginx.conf: nginx's own check (nginx -t) when nginx is installed (dev.py installs
it), and its structure through crossplane, nginx's configuration parser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import crossplane
import pytest

from tests.infra.files import NGINX_CONF, compose
from tests.infra.test_kubernetes import size_in_bytes, upload_limit

Directive = dict[str, Any]


def parsed() -> list[Directive]:
    result = crossplane.parse(str(NGINX_CONF), check_ctx=True, check_args=True, single=True)
    assert result["errors"] == []
    assert result["status"] == "ok"
    directives: list[Directive] = result["config"][0]["parsed"]
    return directives


def find(block: list[Directive], name: str) -> list[Directive]:
    return [d for d in block if d["directive"] == name]


def one(block: list[Directive], name: str) -> list[str]:
    (directive,) = find(block, name)
    args: list[str] = directive["args"]
    return args


def http_block() -> list[Directive]:
    (http,) = find(parsed(), "http")
    block: list[Directive] = http["block"]
    return block


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (dev.py installs it)")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    # Only the pid file and the error log move (the container's paths are not writable here).
    text = NGINX_CONF.read_text(encoding="utf-8")
    text = text.replace("pid /var/run/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    text = text.replace("error_log /dev/stderr warn;", f"error_log {tmp_path}/error.log warn;")
    config = tmp_path / "nginx.conf"
    config.write_text(text, encoding="utf-8")

    result = subprocess.run(
        [str(nginx_binary()), "-t", "-q", "-c", str(config), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_every_host_reaches_the_web_service_with_the_proxy_headers() -> None:
    http = http_block()
    (server,) = find(http, "server")
    block = server["block"]
    headers = {d["args"][0]: d["args"][1] for d in find(http, "proxy_set_header")}

    assert one(block, "listen") == ["80", "default_server"]
    assert one(block, "server_name") == ["_"]
    (root,) = [d for d in find(block, "location") if d["args"] == ["/"]]
    assert one(root["block"], "set") == ["$credit_web", "http://web:8000"]
    assert one(root["block"], "proxy_pass") == ["$credit_web"]
    assert "web" in compose()["services"]
    assert headers == {
        "Connection": "",
        "Host": "$http_host",
        "X-Forwarded-For": "$proxy_add_x_forwarded_for",
        "X-Forwarded-Proto": "$scheme",
        "X-Request-ID": "$credit_request_id",
    }


def test_the_request_id_is_the_callers_or_a_new_one_and_is_logged() -> None:
    http = http_block()
    (mapping,) = find(http, "map")

    assert mapping["args"] == ["$http_x_request_id", "$credit_request_id"]
    assert [d["directive"] for d in mapping["block"]] == ["default", ""]
    assert [d["args"] for d in mapping["block"]] == [["$http_x_request_id"], ["$request_id"]]
    log_format = one(http, "log_format")
    assert log_format[:2] == ["credit_json", "escape=json"]
    assert '"request_id":"$credit_request_id"' in "".join(log_format[2:])
    assert one(http, "access_log") == ["/dev/stdout", "credit_json"]


def test_uploads_as_large_as_the_application_accepts_get_through() -> None:
    limit = size_in_bytes(one(http_block(), "client_max_body_size")[0])

    assert 0 < limit - upload_limit() <= 2 * 1024 * 1024


def test_nginx_waits_longer_than_gunicorn() -> None:
    from tests.infra.test_gunicorn import gunicorn_settings

    timeout = gunicorn_settings()["timeout"]
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        assert int(one(http_block(), name)[0].removesuffix("s")) > timeout


def test_metrics_are_not_served_to_the_outside() -> None:
    (server,) = find(http_block(), "server")
    (metrics,) = [d for d in find(server["block"], "location") if d["args"] == ["=", "/metrics"]]

    assert metrics["block"] == [
        {"directive": "return", "line": metrics["block"][0]["line"], "args": ["404"]}
    ]
