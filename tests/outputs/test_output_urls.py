"""Output URLs: one parser for --output and the deployment's outputs:, errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from airsentry.config import parse_config
from airsentry.errors import ConfigError
from airsentry.outputs.urls import parse_output


def test_each_scheme_parses_to_host_port_and_options(tmp_path: Path) -> None:
    cot = parse_output("cot+tcp://tak.example:8087?proto=1&rate=2")
    assert (cot.scheme, cot.host, cot.port, cot.flag("proto"), cot.rate_s) == (
        "cot+tcp", "tak.example", 8087, True, 2.0,
    )  # fmt: skip
    mqtt = parse_output("mqtt://broker:1884/site-a")
    assert (mqtt.port, mqtt.path, mqtt.tracks) == (1884, "site-a", True)
    assert parse_output("mqtt://broker").path == "airsentry"
    hook = parse_output("https://hooks.example/in?timeout=3")
    assert (hook.port, hook.name) == (443, "https://hooks.example/in")
    f = parse_output(f"file:{tmp_path}/x.geojson")
    assert f.path == f"{tmp_path}/x.geojson"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://x:1", "unknown scheme 'ftp'"),
        ("cot+tcp://host", "needs a port"),
        ("cot+tcp://host:99999", "port"),
        ("mqtt://b:1883/p?colour=red", "unknown option 'colour'"),
        ("mqtt://b:1883/p?qos=2", "qos must be 0 or 1"),
        ("cot+tcp://h:1?rate=fast", "rate: expected a number"),
        ("cot+tls://h:1", "needs cert= and key="),
        ("cot+tls://h:1?cert=/nonexistent.pem&key=/x", "is not a file"),
        ("https://h/x?secret_env=AIRSENTRY_SURELY_UNSET", "is not set"),
        ("file:out.txt", "expected a name ending in"),
        ("", "expected an output URL"),
    ],
)
def test_bad_urls_fail_with_one_line_naming_the_key(url: str, reason: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_output(url, "--output")
    assert err.value.key == "--output"
    assert reason in str(err.value)
    assert "\n" not in str(err.value)


def test_deployment_outputs_are_checked_with_their_index() -> None:
    dep = parse_config({"outputs": ["mqtt://b:1883/p", "cot+udp://h:6969"]})
    assert [o.scheme for o in dep.outputs] == ["mqtt", "cot+udp"]
    with pytest.raises(ConfigError) as err:
        parse_config({"outputs": ["mqtt://b:1883/p", "gopher://h:70"]})
    assert err.value.key == "outputs[1]"
    with pytest.raises(ConfigError) as err:
        parse_config({"outputs": "mqtt://b"})
    assert err.value.key == "outputs"


def test_a_bad_output_stops_the_command_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from airsentry.cli import main

    assert main(["demo", "--output", "mqtt://b:1883/p?qos=2"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("airsentry: error: --output: ")
    assert "qos must be 0 or 1" in err
    assert "\n" not in err
