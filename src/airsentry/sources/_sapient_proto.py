"""The SAPIENT (BSI Flex 335) message classes, from the descriptor set compiled at build.

The build (``setup.py``) compiles the vendored .proto files (``sapient_proto/``, Apache
2.0, see its NOTICE) into ``sapient.binpb``; here the descriptor set is loaded into a
private descriptor pool and the message classes are made from it, so no generated
Python code is kept in the tree and the protobuf runtime needs no matching gencode.

A checkout run from its sources without a build (``PYTHONPATH=src``) has no descriptor
set yet: it is compiled once, on first use, with grpcio-tools if that is installed
(it is in the ``test`` extra), and otherwise the error says how to build it.
"""

from __future__ import annotations

import struct
from functools import cache
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

from airsentry.sources._sapient_compile import DESCRIPTOR_SET, compile_descriptor_set

PACKAGE = "sapient_msg"
LENGTH = struct.Struct("<I")
"""The frame header: each serialised SapientMessage is preceded by its length in bytes
as a 4-byte little-endian unsigned integer (BSI Flex 335 v1.0, message framing)."""


@cache
def _pool() -> descriptor_pool.DescriptorPool:
    if not DESCRIPTOR_SET.exists():
        try:
            compile_descriptor_set()
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise RuntimeError(
                f"the SAPIENT descriptor set {DESCRIPTOR_SET} is missing: install airsentry "
                "with pip (its build compiles it) or install grpcio-tools"
            ) from exc
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return pool


@cache
def message_class(name: str) -> type[Message]:
    """The class of message ``name`` (e.g. ``"SapientMessage"``, ``"Location"``)."""
    descriptor = _pool().FindMessageTypeByName(f"{PACKAGE}.{name}")
    cls: type[Message] = message_factory.GetMessageClass(descriptor)
    return cls


def new(name: str, /, **fields: Any) -> Message:
    """A new message ``name`` with ``fields`` set (as the class constructor takes them)."""
    return message_class(name)(**fields)


def enum_value(enum: str, name: str) -> int:
    """The number of value ``name`` of enum ``enum`` (top-level or ``Message.Enum``)."""
    pool = _pool()
    if "." in enum:
        outer, inner = enum.split(".", 1)
        desc = pool.FindMessageTypeByName(f"{PACKAGE}.{outer}").enum_types_by_name[inner]
    else:
        desc = pool.FindEnumTypeByName(f"{PACKAGE}.{enum}")
    return int(desc.values_by_name[name].number)


def frame(message: Message) -> bytes:
    """One message as it goes on the wire: length prefix, then the serialised bytes."""
    body: bytes = message.SerializeToString()
    return LENGTH.pack(len(body)) + body
