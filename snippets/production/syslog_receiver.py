"""A minimal syslog receiver: prints every UDP datagram it gets on port 5514."""

import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("0.0.0.0", 5514))  # all addresses of the container
print("syslog receiver listening on UDP port 5514", flush=True)
while True:
    data, _ = sock.recvfrom(65535)
    print(data.decode("utf-8", "replace").rstrip("\n"), flush=True)
