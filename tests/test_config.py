"""The deployment file: a valid one loads into typed parts; each mistake names its key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from airsentry.config import DEFAULT_PROTECTED, load_config, parse_config
from airsentry.errors import ConfigError
from airsentry.sources.live import Backoff, FileTail, HttpPoller, TcpClient, UdpReceiver

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"

VALID = """
db: state/incidents.sqlite
quarantine: state/quarantine.jsonl
events_out: /var/log/airsentry/events.jsonl
protect: [POL, LTU, est]
zones:
  default: true
  files: [zones/site.geojson]
thresholds:
  sensor_silence_s: 60
  expire_s: 120
  swarm_min_tracks: 3
  incident_gap_s: 1800
merge:
  window_s: 1.5
feeds:
  - name: gdansk-beast
    format: beast
    tcp: {host: 10.0.0.5, port: 30005, idle_timeout_s: 30}
    reconnect: {initial_s: 1, max_s: 60, jitter: 0.3}
  - name: radar-1
    format: asterix
    udp: {port: 8600, group: 239.1.2.3, interface: 10.0.0.9}
    options:
      radars: {"1/2": {lat: 54.38, lon: 18.47, alt: 120}}
  - name: readsb-json
    format: opensky
    http: {url: "http://10.0.0.7/data.csv", interval_s: 2}
  - name: sbs-log
    format: sbs
    file: {path: logs/sbs.log, from_start: true}
    silence_s: 90
"""


def test_a_valid_file_loads_into_typed_parts(tmp_path: Path):
    cfg = load_config(_write(tmp_path, VALID))
    assert cfg.db == tmp_path / "state/incidents.sqlite"  # relative to the file
    assert cfg.events_out == Path("/var/log/airsentry/events.jsonl")
    assert cfg.zone_files == (tmp_path / "zones/site.geojson",)
    assert cfg.pipeline.protect == frozenset({"POL", "LTU", "EST"})
    assert cfg.pipeline.watch.sensor_silence_s == 60.0
    assert cfg.pipeline.watch.swarm_min_tracks == 3
    assert cfg.pipeline.tracking.expire_s == 120.0
    assert cfg.pipeline.incident_gap_s == 1800.0
    assert cfg.merge.window_s == 1.5
    beast, radar, poll, tail = cfg.feeds
    assert beast.transport == TcpClient("10.0.0.5", 30005, idle_timeout_s=30.0)
    assert beast.backoff == Backoff(initial_s=1.0, max_s=60.0, jitter=0.3)
    assert radar.transport == UdpReceiver(8600, group="239.1.2.3", interface="10.0.0.9")
    assert isinstance(poll.transport, HttpPoller)
    assert poll.transport.interval_s == 2.0
    assert isinstance(tail.transport, FileTail)
    assert tail.transport.path == tmp_path / "logs/sbs.log"
    assert tail.transport.from_start
    assert tail.silence_s == 90.0
    assert [f.format for f in cfg.feeds] == ["beast", "asterix", "opensky", "sbs"]


def test_defaults_of_a_minimal_file(tmp_path: Path):
    cfg = load_config(_write(tmp_path, "feeds: [{name: a, format: sbs, tcp: {host: h, port: 1}}]"))
    assert cfg.db is None
    assert cfg.default_zones
    assert cfg.pipeline.protect == DEFAULT_PROTECTED
    assert cfg.feeds[0].backoff == Backoff()


MISTAKES = [
    # (what to change in VALID, the key the error must name, words of the reason)
    ({"feeds": []}, "feeds", "non-empty list"),
    ({"colour": "red"}, "colour", "unknown key"),
    ({"feeds.0.tcp.port": 70000}, "feeds[0].tcp", "1-65535"),
    ({"feeds.0.tcp.port": "x"}, "feeds[0].tcp.port", "whole number"),
    ({"feeds.0.tcp.host": None}, "feeds[0].tcp.host", "required"),
    ({"feeds.0.tcp.colour": 1}, "feeds[0].tcp.colour", "unknown key"),
    ({"feeds.0.format": "morse"}, "feeds[0].format", "no live decoder"),
    ({"feeds.0.name": None}, "feeds[0].name", "required"),
    ({"feeds.1.name": "gdansk-beast"}, "feeds[1].name", "already used"),
    ({"feeds.2.udp": {"port": 1}}, "feeds[2]", "exactly one transport"),
    ({"feeds.1.udp.group": "10.0.0.1"}, "feeds[1].udp", "multicast"),
    ({"feeds.2.http.url": "ftp://x"}, "feeds[2].http", "http://"),
    ({"feeds.0.reconnect.jitter": 2}, "feeds[0].reconnect", "jitter"),
    ({"feeds.0.options": {"bogus": 1}}, "feeds[0].options.bogus", "no option"),
    ({"feeds.3.options": {"tz": "Mars/Base"}}, "feeds[3].options.tz", "time zone"),
    ({"feeds.2.options": {"bogus": 1}}, "feeds[2].options.bogus", "no option"),
    ({"feeds.3.silence_s": -1}, "feeds[3].silence_s", "positive"),
    ({"feeds.3.file.from_start": "yes"}, "feeds[3].file.from_start", "true or false"),
    ({"thresholds.sensor_silence_s": "long"}, "thresholds.sensor_silence_s", "number"),
    ({"thresholds.sensor_silence_s": 0}, "thresholds", "sensor_silence_s"),
    ({"thresholds.nonsense": 1}, "thresholds.nonsense", "unknown key"),
    ({"protect": ["POLAND"]}, "protect", "alpha-3"),
    ({"zones": {"default": False}}, "zones", "no zones"),
    ({"merge.window_s": -1}, "merge", "window"),
]


@pytest.mark.parametrize(("change", "key", "words"), MISTAKES)
def test_each_mistake_names_its_key(tmp_path: Path, change: dict, key: str, words: str):
    doc = yaml.safe_load(VALID)
    for path, value in change.items():
        _set(doc, path, value)
    with pytest.raises(ConfigError) as info:
        parse_config(doc, base=tmp_path)
    assert info.value.key == key
    assert words in info.value.reason
    assert str(info.value).startswith(f"{key}: ")


def test_unreadable_and_malformed_files_are_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(_write(tmp_path, "feeds: [unclosed"))
    with pytest.raises(ConfigError, match="mapping"):
        load_config(_write(tmp_path, "- just\n- a list\n"))


def test_the_documentation_covers_every_key():
    """Every key the loader accepts appears in docs/configuration.md."""
    text = DOCS.read_text(encoding="utf-8")
    from airsentry.config import _FEED, _TOP

    keys = {*_TOP, *_FEED, "initial_s", "max_s", "factor", "jitter", "idle_timeout_s"}
    keys |= {"connect_timeout_s", "group", "interface", "interval_s", "timeout_s", "poll_s"}
    keys |= {"from_start", "window_s", "emit_every_s", "sensor_silence_s", "incident_gap_s"}
    missing = sorted(k for k in keys if not re.search(rf"\b{re.escape(k)}\b", text))
    assert not missing, f"undocumented keys: {missing}"
    # and the example in the documentation loads
    example = text.split("```yaml", 1)[1].split("```", 1)[0]
    assert len(parse_config(yaml.safe_load(example)).feeds) >= 3


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "airsentry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _set(doc: dict, dotted: str, value: object) -> None:
    parts = dotted.split(".")
    node: object = doc
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]  # type: ignore[index]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]
