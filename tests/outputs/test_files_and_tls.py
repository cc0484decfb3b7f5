"""file: outputs (JSON lines, GeoJSON, KML) and CoT over TLS with certificates made here."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import takproto
from output_receivers import free_port, wait_until

from airsentry.cli._demo import book_demo
from airsentry.config import DeploymentConfig
from airsentry.outputs.urls import parse_output


def test_file_outputs_hold_every_incident(tmp_path: Path) -> None:
    urls = [f"file:{tmp_path}/inc.{ext}" for ext in ("jsonl", "geojson", "kml")]
    dep = DeploymentConfig(db=tmp_path / "f.sqlite", outputs=tuple(parse_output(u) for u in urls))
    incidents, _, _ = book_demo(dep)
    ids = {inc.id for inc in incidents}
    lines = (tmp_path / "inc.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(x)["data"]["id"] for x in lines} == ids
    geo = json.loads((tmp_path / "inc.geojson").read_text(encoding="utf-8"))
    assert {f["id"] for f in geo["features"]} == ids
    assert all(f["geometry"] is not None for f in geo["features"])
    kml = (tmp_path / "inc.kml").read_text(encoding="utf-8")
    assert set(re.findall(r'<Folder id="([^"]+)"', kml)) == ids


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _certificates(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, signed by it."""
    names = ("ca", "ca-key", "srv", "srv-key", "cli", "cli-key")
    p = {n: folder / f"{n}.pem" for n in names}
    days = ["-days", "2"]
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", *days, "-subj", "/CN=airsentry test CA",
        "-keyout", str(p["ca-key"]), "-out", str(p["ca"]),
    )  # fmt: skip
    for name, cn in (("srv", "127.0.0.1"), ("cli", "airsentry")):
        csr, ext = folder / f"{name}.csr", folder / f"{name}.ext"
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", str(p[f"{name}-key"]), "-out", str(csr),
        )  # fmt: skip
        san = "subjectAltName=IP:127.0.0.1\n" if name == "srv" else ""
        ext.write_text(san, encoding="utf-8")
        _openssl(
            "x509", "-req", "-in", str(csr), "-CA", str(p["ca"]), "-CAkey", str(p["ca-key"]),
            "-CAcreateserial", *days, "-extfile", str(ext), "-out", str(p[name]),
        )  # fmt: skip
    return p


def test_cot_over_tls_with_a_client_certificate(tmp_path: Path) -> None:
    certs = _certificates(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs["ca"]))
    ctx.load_cert_chain(certs["srv"], certs["srv-key"])
    ctx.verify_mode = ssl.CERT_REQUIRED  # a TAK server wants the client's certificate
    port = free_port()
    server = socket.create_server(("127.0.0.1", port))
    received = bytearray()
    peers: list[str] = []

    def serve() -> None:
        conn, _ = server.accept()
        with ctx.wrap_socket(conn, server_side=True) as tls:
            cert = tls.getpeercert() or {}
            peers.append(dict(x[0] for x in cert.get("subject", ()))["commonName"])
            while chunk := tls.recv(65536):
                received.extend(chunk)

    threading.Thread(target=serve, daemon=True).start()
    url = (f"cot+tls://127.0.0.1:{port}?proto=1&cert={certs['cli']}&key={certs['cli-key']}"
           f"&ca={certs['ca']}")  # fmt: skip
    dep = DeploymentConfig(db=tmp_path / "t.sqlite", outputs=(parse_output(url),))
    _incidents, _, _ = book_demo(dep)
    assert wait_until(lambda: len(received) > 0)
    assert peers == ["airsentry"]
    first = takproto.parse_proto(bytearray(received))  # the first stream frame
    assert first is not None
    assert first.cotEvent.uid.startswith("airsentry.")
    server.close()


def test_cot_over_udp_sends_tak_mesh_datagrams(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    port = sock.getsockname()[1]
    url = f"cot+udp://127.0.0.1:{port}?proto=1&rate=60"
    book_demo(DeploymentConfig(db=tmp_path / "u.sqlite", outputs=(parse_output(url),)))
    types = set()
    with contextlib.suppress(TimeoutError):
        sock.settimeout(1)
        while True:
            message = takproto.parse_proto(bytearray(sock.recv(65536)))  # one event each
            assert message is not None
            types.add(message.cotEvent.type)
    sock.close()
    assert any(t.startswith("a-") for t in types)  # tracks
    assert "b-m-p-s-m" in types  # incidents


def test_a_replayed_incident_is_an_update_not_news(tmp_path: Path) -> None:
    out = tmp_path / "inc.jsonl"
    dep = DeploymentConfig(db=tmp_path / "r.sqlite", outputs=(parse_output(f"file:{out}"),))
    book_demo(dep)
    first = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    book_demo(dep, seed=1)  # a restart: the same episodes, seen with other sensor noise
    lines = out.read_text(encoding="utf-8").splitlines()
    later = [json.loads(x) for x in lines[len(first) :]]
    known = {m["data"]["id"] for m in first}
    again = [m for m in later if m["data"]["id"] in known]
    assert again  # some incidents of the first run changed in the second
    assert all(m["type"] != "incident.opened" for m in again)
