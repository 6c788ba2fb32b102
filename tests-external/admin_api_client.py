#!/usr/bin/env python3
"""Drives a real `porter serve` with clients that are not part of this repository:
Python grpcio, discovering every type through gRPC server reflection (no .proto files,
no generated code), and a bare HTTP/1.1 gRPC-Web request as a browser would send it.

Exits non-zero on the first failure; prints 'N passed, 0 failed' at the end.
"""

import base64
import hashlib
import http.client
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import urllib.request

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTER = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "debug", "porter")
PKG = "porter.admin.v1"
passed = 0
# Each listener's address, from the server's "porter: NAME listening on ADDR" lines.
LISTENERS = {}


def check(name, cond, detail=""):
    global passed
    if not cond:
        print(f"FAIL {name} {detail}", file=sys.stderr)
        print(f"{passed} passed, 1 failed")
        sys.exit(1)
    passed += 1
    print(f"ok   {name}")


def start_server(data_dir):
    env = dict(os.environ, PORTER_ADMIN_USER="admin", PORTER_ADMIN_PASSWORD="py-client-pw")
    proc = subprocess.Popen(
        [PORTER, "serve", "--data-dir", data_dir, "--admin-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--gateway-ws-listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0", "--portal-listen", "127.0.0.1:0", "--sip-listen", "127.0.0.1:0", "--sip-tls-listen", "127.0.0.1:0", "--sip-ws-listen", "127.0.0.1:0", "--log", "warn"],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.match(r"porter: (\S+) listening on (\S+)", line)
        if m:
            LISTENERS[m.group(1)] = m.group(2)
        if m and m.group(1) == "admin":
            return proc, m.group(2)
    proc.kill()
    raise SystemExit("porter did not start")


class Api:
    """Calls any method by name, with message classes built from reflection."""

    def __init__(self, channel):
        self.channel = channel
        self.pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
        self.token = None

    def msg(self, _type, **fields):
        cls = message_factory.GetMessageClass(self.pool.FindMessageTypeByName(f"{PKG}.{_type}"))
        return cls(**fields)

    def call(self, service, method, **fields):
        svc = self.pool.FindServiceByName(f"{PKG}.{service}")
        m = svc.methods_by_name[method]
        req_cls = message_factory.GetMessageClass(m.input_type)
        resp_cls = message_factory.GetMessageClass(m.output_type)
        stub = self.channel.unary_unary(
            f"/{PKG}.{service}/{method}",
            request_serializer=lambda r: r.SerializeToString(),
            response_deserializer=resp_cls.FromString,
        )
        metadata = [("authorization", f"Bearer {self.token}")] if self.token else []
        return stub(req_cls(**fields), metadata=metadata, timeout=10)


def tls_context(data_dir, version):
    warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1_1 is, on purpose
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(data_dir, "gateway-cert.pem"))
    ctx.check_hostname = False
    ctx.minimum_version = version
    ctx.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        # OpenSSL's default security level will not offer TLS 1.1 at all; lower it so the
        # refusal checked is the server's.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


def host_port(addr):
    host, port = addr.rsplit(":", 1)
    return host.strip("[]"), int(port)


def sip_exchange(sock, request):
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    status = int(head.split(" ", 2)[1])
    headers = {}
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    return status, headers


def sip_register(sock, number, password, host, cseq, auth=None):
    lines = [
        f"REGISTER sip:{host} SIP/2.0",
        f"Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKpy{cseq}",
        "Max-Forwards: 70",
        f"From: <sip:{number}@{host}>;tag=py1",
        f"To: <sip:{number}@{host}>",
        "Call-ID: py-tls12-register",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{number}@127.0.0.1:5999;transport=tls>",
        "Expires: 300",
    ]
    if auth:
        lines.append(f"Authorization: {auth}")
    lines += ["Content-Length: 0", "", ""]
    return sip_exchange(sock, "\r\n".join(lines))


def digest_answer(challenge, number, password, uri):
    params = dict(re.findall(r'(\w+)="?([^",]+)"?', challenge))
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
    ha1 = md5(f"{number}:{params['realm']}:{password}")
    ha2 = md5(f"REGISTER:{uri}")
    if "auth" in params.get("qop", ""):
        cnonce = "0a4f113b"
        response = md5(f"{ha1}:{params['nonce']}:00000001:{cnonce}:auth:{ha2}")
        extra = f', qop=auth, nc=00000001, cnonce="{cnonce}"'
    else:
        response = md5(f"{ha1}:{params['nonce']}:{ha2}")
        extra = ""
    return (
        f'Digest username="{number}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", response="{response}", algorithm=MD5{extra}'
    )


def tls_versions(api, data_dir):
    """A client that stops at TLS 1.2 (as many door phones do) registers over SIP TLS and
    fetches its AutoP file; a TLS 1.1 client is refused by the server."""
    community = api.call(
        "CommunityService",
        "CreateCommunity",
        settings=api.msg("CommunitySettings", name="Old TLS Court", feature_plan=2, address=api.msg("Address", country="Germany")),
    )
    api.call("MacLibraryService", "AddMac", mac="0C11050D0012")
    device = api.call(
        "DeviceService",
        "CreateDevice",
        public_area=api.msg("PublicArea", community_id=community.id),
        device=api.msg("DeviceInput", device_type=0, mac="0C11050D0012", name="Old Gate"),
    )
    secrets = api.call("DeviceService", "GetDeviceSecrets", id=device.id)

    https = host_port(LISTENERS["https"])
    conn = http.client.HTTPSConnection(*https, context=tls_context(data_dir, ssl.TLSVersion.TLSv1_2), timeout=10)
    basic = base64.b64encode(f"0C11050D0012:{secrets.credential}".encode()).decode()
    conn.request("GET", "/autop/0C11050D0012.cfg", headers={"Authorization": f"Basic {basic}"})
    resp = conn.getresponse()
    body = resp.read().decode()
    check(
        "a TLS 1.2 client fetches its AutoP file",
        resp.status == 200 and conn.sock.version() == "TLSv1.2" and secrets.sip_number in body,
        f"{resp.status} {conn.sock.version() if conn.sock else None}",
    )
    conn.close()

    sip = host_port(LISTENERS["sip-tls"])
    raw = socket.create_connection(sip, timeout=10)
    with tls_context(data_dir, ssl.TLSVersion.TLSv1_2).wrap_socket(raw) as tls:
        status, headers = sip_register(tls, secrets.sip_number, secrets.sip_password, sip[0], 1)
        check("SIP over TLS 1.2 is challenged", status == 401 and "www-authenticate" in headers, f"{status} {headers}")
        uri = f"sip:{sip[0]}"
        auth = digest_answer(headers["www-authenticate"], secrets.sip_number, secrets.sip_password, uri)
        status, _ = sip_register(tls, secrets.sip_number, secrets.sip_password, sip[0], 2, auth)
        check("a TLS 1.2 client registers over SIP TLS", status == 200 and tls.version() == "TLSv1.2", f"{status} {tls.version()}")

    gateway = host_port(LISTENERS["gateway"])
    for name, addr, version in [
        ("HTTPS refuses TLS 1.1", https, ssl.TLSVersion.TLSv1_1),
        ("SIP TLS refuses TLS 1.1", sip, ssl.TLSVersion.TLSv1_1),
        ("the device gateway (Porter's own firmware: TLS 1.3 only) refuses TLS 1.2", gateway, ssl.TLSVersion.TLSv1_2),
    ]:
        raw = socket.create_connection(addr, timeout=10)
        try:
            tls_context(data_dir, version).wrap_socket(raw).close()
            check(name, False, "handshake succeeded")
        except ssl.SSLError as e:
            # The server's doing, not the client declining to try: an alert (rustls answers
            # an old hello with handshake_failure or protocol_version) or, from the
            # gateway, which sends no alert to strangers, the connection closed.
            check(name, "ALERT" in str(e).upper() or "EOF" in str(e).upper(), str(e))
        finally:
            raw.close()


def raw_bodies(channel, token):
    """Bytes that are no message: INVALID_ARGUMENT with a token, UNAUTHENTICATED without one
    (the token is checked before the body is read)."""
    raw = channel.unary_unary(f"/{PKG}.BuildingService/CreateBuilding")
    garbage = {
        "garbage bytes": b"\xff\xff\xff\xff\xff",
        "a truncated varint": b"\x08\x80",
        "invalid UTF-8 in a string": b"\x12\x02\xc3\x28",
    }
    for what, body in garbage.items():
        try:
            raw(body, metadata=[("authorization", f"Bearer {token}")], timeout=10)
            check(f"{what} refused", False)
        except grpc.RpcError as e:
            check(
                f"{what} is INVALID_ARGUMENT",
                e.code() == grpc.StatusCode.INVALID_ARGUMENT and "not a valid message" in e.details(),
                f"{e.code()} {e.details()}",
            )
        try:
            raw(body, timeout=10)
            check(f"{what} without a token refused", False)
        except grpc.RpcError as e:
            check(f"{what} without a token is UNAUTHENTICATED", e.code() == grpc.StatusCode.UNAUTHENTICATED, f"{e.code()} {e.details()}")


def main():
    with tempfile.TemporaryDirectory() as data_dir:
        proc, addr = start_server(data_dir)
        try:
            run(addr, data_dir)
        finally:
            proc.terminate()
            code = proc.wait(timeout=30)
        check("server stops cleanly on SIGTERM", code == 0, f"exit {code}")
    print(f"{passed} passed, 0 failed")


def run(addr, data_dir):
    channel = grpc.insecure_channel(addr)
    api = Api(channel)

    # Reflection lists every service.
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    resp = next(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {s.name for s in resp.list_services_response.service}
    for svc in ["AuthService", "AccountService", "CommunityService", "BuildingService", "ApartmentService", "AuditService", "PropertyManagerService", "MacLibraryService"]:
        check(f"reflection lists {svc}", f"{PKG}.{svc}" in names, str(names))

    try:
        api.call("AuthService", "Login", username="admin", password="wrong")
        check("bad password refused", False)
    except grpc.RpcError as e:
        check("bad password refused", e.code() == grpc.StatusCode.UNAUTHENTICATED, str(e))

    login = api.call("AuthService", "Login", username="admin", password="py-client-pw")
    api.token = login.token
    check("login returns a token", login.token.startswith("pt_"))
    raw_bodies(channel, login.token)
    tls_versions(api, data_dir)

    settings = api.msg(
        "CommunitySettings",
        name="Py Gardens",
        feature_plan=2,  # PREMIUM
        address=api.msg("Address", country="France", city="Paris", post_code="75001"),
        time_zone="Europe/Paris",
    )
    community = api.call("CommunityService", "CreateCommunity", settings=settings)
    check("community created", community.name == "Py Gardens" and community.apartment_count == 50)
    building = api.call("BuildingService", "CreateBuilding", community_id=community.id, name="Tower A")
    apt = api.call(
        "ApartmentService",
        "CreateApartment",
        building_id=building.id,
        apartment=api.msg("ApartmentInput", apt_number="2#301", call_type=2),
        resident=api.msg("ResidentInput", first_name="Amélie", last_name="Poulain", email="amelie@example.fr"),
    )
    check("apartment with resident created", apt.resident.first_name == "Amélie" and len(apt.family_sip_number) == 10)

    try:
        api.call(
            "ApartmentService",
            "CreateApartment",
            building_id=building.id,
            apartment=api.msg("ApartmentInput", apt_number="#301"),
        )
        check("leading # refused", False)
    except grpc.RpcError as e:
        fields = dict(e.trailing_metadata() or ())
        check(
            "leading # refused naming the field",
            e.code() == grpc.StatusCode.INVALID_ARGUMENT
            and "apt_number" in e.details()
            and fields.get("porter-field") == "apt_number",
            f"{e.code()} {e.details()} {fields}",
        )

    found = api.call(
        "ApartmentService",
        "SearchResidents",
        community_id=community.id,
        filter=api.msg("ResidentFilter", text="poulain"),
    )
    check("resident search finds the resident", found.total == 1 and found.residents[0].apt_number == "2#301")

    # gRPC-Web over plain HTTP/1.1, as a browser sends it.
    body = api.msg("GetCommunityRequest", id=community.id).SerializeToString()
    req = urllib.request.Request(
        f"http://{addr}/{PKG}.CommunityService/GetCommunity",
        data=b"\x00" + struct.pack(">I", len(body)) + body,
        headers={
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "authorization": f"Bearer {api.token}",
        },
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    flag, length = raw[0], struct.unpack(">I", raw[1:5])[0]
    reply = api.msg("Community")
    reply.ParseFromString(raw[5 : 5 + length])
    trailer = raw[5 + length :]
    check("gRPC-Web data frame", flag == 0 and reply.name == "Py Gardens", repr(raw[:40]))
    check("gRPC-Web trailer frame says OK", trailer[:1] == b"\x80" and b"grpc-status:0" in trailer, repr(trailer))

    # A MAC library import from an XLSX written by openpyxl, as Excel-like tools write it.
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["MAC"])
    sheet.append(["0C:11:05:0A:00:01"])
    sheet.append(["0c11050a0002"])
    sheet.append([None])
    sheet.append(["0C11050A0003"])
    buf = io.BytesIO()
    book.save(buf)
    report = api.call("MacLibraryService", "ImportMacs", file=buf.getvalue())
    check(
        "openpyxl XLSX imports into the MAC library",
        report.committed and list(report.added) == ["0C11050A0001", "0C11050A0002", "0C11050A0003"],
        str(report),
    )
    # The import template round-trips: download the XLSX, fill it in with openpyxl, import.
    tpl = api.call("TemplateService", "DownloadTemplate", format=1)
    book2 = openpyxl.load_workbook(io.BytesIO(tpl.content))
    ws = book2["Template"]
    header = [c.value for c in ws[1]]
    check("template header as in the manual", header[:4] == ["Building", "Apt", "AptName", "Device"] and header[-1] == "WebRelayID", str(header))
    ws.append(["Tower B", "0101", "Corner", "Hall,0,0C11050A0001; Bedroom,2,0C11050A0002", "Jean", "Dupont", "jean@example.fr", "612345678", "33", "", "", "", 4, 0])
    ws.append(["Tower B", "0102", "", "Kitchen,2,0C11050A0003", "", "", "", "", "", "", "", "", "", ""])
    filled = io.BytesIO()
    book2.save(filled)
    report = api.call("TemplateService", "ImportTemplate", community_id=community.id, file=filled.getvalue())
    check(
        "filled-in XLSX template imports",
        report.committed and (report.buildings_created, report.apartments, report.residents, report.devices) == (1, 2, 1, 3),
        str(report),
    )
    listed = api.call("BuildingService", "ListBuildings", community_id=community.id)
    tower = [b for b in listed.buildings if b.name == "Tower B"]
    apts = api.call("ApartmentService", "ListApartments", building_id=tower[0].id)
    check("text cells keep leading zeros", sorted(a.apt_number for a in apts.apartments) == ["0101", "0102"], str(apts))

    sheet.append(["0C11050A00ZZ"])
    buf = io.BytesIO()
    book.save(buf)
    report = api.call("MacLibraryService", "ImportMacs", file=buf.getvalue())
    check(
        "a bad XLSX row is reported with its spreadsheet row number",
        not report.committed and [(e.row, e.column) for e in report.errors] == [(6, "MAC")],
        str(report),
    )


if __name__ == "__main__":
    main()
