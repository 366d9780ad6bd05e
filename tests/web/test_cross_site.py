"""Cross-site WebSocket hijacking, tried for real: a page served from another origin, in the
same headless Chromium, knows the port and even the token, and opens the editor's WebSocket.
The browser sends that page's Origin, and the server refuses it before the upgrade."""

from __future__ import annotations

import http.server
import threading

import pytest

ATTACK = """<!doctype html><title>elsewhere</title><script>
window.outcome = new Promise((resolve) => {
  const ws = new WebSocket("ws://127.0.0.1:%(port)d/ws?token=%(token)s");
  ws.onopen = () => resolve("open");
  ws.onmessage = (e) => resolve("message: " + e.data.slice(0, 80));
  ws.onerror = () => resolve("refused");
});
</script>"""


@pytest.fixture
def other_site():
    """A page server on another loopback port (another origin); ``serve(html)`` sets its page."""
    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = pages.get("/", b"")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def serve(html: str) -> str:
        pages["/"] = html.encode()
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield serve
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def test_another_sites_page_cannot_open_the_editors_websocket(web_server, browser, other_site, tmp_path):
    doc = tmp_path / "secret.txt"
    doc.write_text("private\n")
    server = web_server(doc)
    url = other_site(ATTACK % {"port": server.port, "token": server.token})
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        assert page.evaluate("window.outcome") == "refused"
        # the same socket from the server's own page origin opens (the refusal was the Origin)
        own = context.new_page()
        own.goto(f"http://127.0.0.1:{server.port}/")  # the editor page itself
        assert own.evaluate("""() => new Promise((resolve) => {
            const ws = new WebSocket("ws://127.0.0.1:%d/ws?token=%s");
            ws.onmessage = (e) => { resolve(JSON.parse(e.data).method); ws.close(); };
            ws.onerror = () => resolve("refused");
        })""" % (server.port, server.token)) == "web_session"
    finally:
        context.close()
