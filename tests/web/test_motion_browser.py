"""Live traffic over the topology diagram in Chromium, driven by the keyboard: dots end where
the server routed them, counters add up to the server's totals, a node fault and session
affinity show, step mode captions every hop. Screenshots go to artifacts/screenshots/motion-*.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.server import Server
from tests.web.conftest import PageWatch
from tests.web.test_topology_browser import open_page, shot

pytestmark = pytest.mark.browser
NOT_READY = re.compile(r"\bnot-ready\b")
IDLE = "() => window.svcscopeMotion && !window.svcscopeMotion.busy()"


def motion_page(browser: Browser, server: Server, rate: str = "50") -> Page:
    page = open_page(browser, server.url + "/clusters/demo")
    page.wait_for_function("() => typeof window.svcscopeMotion === 'object'")
    rate_field = page.locator('#motion input[name="rate"]')
    rate_field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(rate)
    page.keyboard.press("Tab")
    page.locator("#motion-caption").focus()  # off every field: the keys belong to the page
    page.evaluate("() => document.activeElement.blur()")
    return page


def press_button(page: Page, selector: str) -> None:
    """A control used from the keyboard: focus it, press Enter."""
    page.locator(selector).focus()
    page.keyboard.press("Enter")
    page.evaluate("() => document.activeElement.blur()")


def settle(page: Page) -> None:
    page.wait_for_function(IDLE, timeout=60_000)


def counts(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("() => window.svcscopeMotion.counts()")
    return result


def served(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("() => window.svcscopeMotion.served()")
    return result


def landed_outside_their_pod(page: Page) -> list[dict[str, Any]]:
    """Drawn dots whose last position is not inside the pod the server named."""
    result: list[dict[str, Any]] = page.evaluate(
        """() => window.svcscopeMotion.landed().filter(d => {
             if (!d.pod) return false;
             const el = document.querySelector(`#topology .el[data-id="${CSS.escape(d.pod)}"]`);
             if (!el) return true;
             const b = el.getBBox();
             return !(d.x >= b.x && d.x <= b.x + b.width && d.y >= b.y && d.y <= b.y + b.height);
           })"""
    )
    return result


def test_dots_end_at_the_servers_pods_and_the_counters_are_the_servers(
    browser: Browser, server: Server
) -> None:
    page = motion_page(browser, server)
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    press_button(page, '#motion [data-send="10"]')
    press_button(page, '#motion [data-send="10"]')
    page.wait_for_function("() => window.svcscopeMotion.inFlight() > 0")
    shot(page, "motion-dots")
    settle(page)
    got, server_counts = counts(page), served(page)
    assert server_counts["requests"] == 22
    assert got["pod"] == server_counts["pod"] and got["node"] == server_counts["node"]
    assert sum(got["pod"].values()) == 22
    landed = page.evaluate("() => window.svcscopeMotion.landed()")
    assert len(landed) == 22 and all(d["outcome"] == "delivered" for d in landed)
    assert landed_outside_their_pod(page) == []
    for key, n in got["pod"].items():
        badge = page.locator(f'#topology .el[data-id="pod:{key}"] text.motion-count')
        expect(badge).to_have_text(str(n))
    for name, n in got["node"].items():
        expect(
            page.locator(f'#topology .el[data-id="node:{name}"] text.motion-count')
        ).to_have_text(str(n))
    expect(page.locator("#ladder-rungs li")).to_have_count(3)
    expect(page.locator("#ladder-rungs li.matched")).to_have_count(1)
    shot(page, "motion-counted")
    page.close()


def test_a_node_fault_stops_traffic_to_its_pods(browser: Browser, server: Server) -> None:
    page = motion_page(browser, server)
    press_button(page, '#motion [data-send="10"]')
    settle(page)
    before = served(page)
    assert before["node"].get("node-2", 0) > 0
    press_button(page, '#topology .el[data-id="node:node-2"]')
    press_button(page, '#panel button:has-text("Mark NotReady")')
    expect(page.locator('#topology .el[data-id="node:node-2"]')).to_have_class(
        NOT_READY, timeout=10_000
    )
    page.keyboard.press("Escape")
    press_button(page, '#motion [data-send="10"]')
    press_button(page, '#motion [data-send="10"]')
    settle(page)
    after = served(page)
    assert after["requests"] == 30
    assert after["node"].get("node-2", 0) == before["node"]["node-2"]
    assert counts(page)["node"] == after["node"]
    assert landed_outside_their_pod(page) == []
    shot(page, "motion-node-down")
    page.close()


def test_step_mode_captions_every_hop_with_its_reason(browser: Browser, server: Server) -> None:
    page = motion_page(browser, server)
    caption, packet = page.locator("#motion-caption"), page.locator("#motion-packet")
    for _ in range(2):
        page.keyboard.press("s")
        expect(caption).to_contain_text("hop 1/")
        expect(caption).to_contain_text("client external client: The request starts outside")
        expect(packet).to_contain_text("→ 198.51.100.1:80")
        found = re.search(r"hop 1/(\d+)", caption.inner_text())
        assert found is not None
        hops = int(found.group(1))
        seen = []
        for hop in range(2, hops + 1):
            page.keyboard.press("s")
            expect(caption).to_contain_text(f"hop {hop}/{hops} · ")
            seen.append(caption.inner_text().split(" · ")[2].split()[0])
            if seen[-1] == "service":
                expect(caption).to_contain_text("KUBE-SVC-")
                expect(packet).to_contain_text("DNAT 198.51.100.1:80 → 10.244.")
                expect(page.locator("#ladder-rungs li.matched")).to_have_count(1)
                shot(page, "motion-step-service")
        assert seen[0] == "load-balancer" and "service" in seen and seen[-1] == "pod"
        page.keyboard.press("s")
        expect(caption).to_contain_text("delivered: Delivered to pod default/frontend-")
    assert served(page)["requests"] == 2
    page.close()


def test_affinity_keeps_a_client_on_its_pod(browser: Browser, server: Server) -> None:
    page = motion_page(browser, server)
    status = page.locator("#motion-change")
    press_button(page, '#motion [data-fault="affinity"]')
    expect(status).to_have_text("web: sessionAffinity ClientIP")
    source = page.locator('#motion select[name="source"]')
    source.focus()
    page.keyboard.press("ArrowDown")  # outside → node-1: one client IP, one node's kernel
    page.evaluate("() => document.activeElement.blur()")
    expect(source).to_have_value("node:node-1")
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    press_button(page, '#motion [data-send="10"]')
    press_button(page, '#motion [data-send="10"]')
    settle(page)
    got = served(page)
    assert got["requests"] == 22 and len(got["pod"]) == 1
    ring = page.locator("#topology circle.affinity-ring")
    expect(ring).to_have_count(1)
    assert ring.get_attribute("data-pod") == next(iter(got["pod"]))
    expect(page.locator("#ladder-rungs li.affinity.matched")).to_have_count(1)
    for _ in range(3):  # pressed at once: the steps made before the request came count
        page.keyboard.press("s")
    # From a node: client, the node's OUTPUT chain, the Service, the pod's node, the pod.
    expect(page.locator("#motion-caption")).to_contain_text("hop 3/5 · service default/web")
    expect(page.locator("#motion-caption")).to_contain_text("--rcheck")
    shot(page, "motion-affinity")
    press_button(page, '#motion [data-fault="affinity"]')
    expect(status).to_have_text("web: sessionAffinity None")
    press_button(page, '#motion [data-fault="affinity"]')
    expect(status).to_have_text("web: sessionAffinity ClientIP")
    page.close()


def test_pause_resume_speed_and_a_sampled_big_run(
    browser: Browser, server: Server, page_watch: PageWatch
) -> None:
    page_watch.allow(lambda problem: "/traffic?" in problem and "ERR_ABORTED" in problem)
    page = motion_page(browser, server, rate="40")
    pause = page.locator('#motion [data-motion="pause"]')
    press_button(page, '#motion [data-send="100"]')
    page.wait_for_function("() => window.svcscopeMotion.inFlight() > 3")
    for _ in range(2):
        page.keyboard.press("p")
        expect(pause).to_have_attribute("aria-pressed", "true")
        frozen = page.evaluate("() => window.svcscopeMotion.landed().length")
        # Nothing may land while paused: the loop keeps drawing the dots in flight, and 20 of
        # its frames (each would move them a step unpaused) pass without a landing.
        ticks = page.evaluate("() => window.svcscopeMotion.ticks()")
        page.wait_for_function(f"() => window.svcscopeMotion.ticks() >= {ticks + 20}")
        assert page.evaluate("() => window.svcscopeMotion.landed().length") == frozen
        assert page.evaluate("() => window.svcscopeMotion.inFlight()") > 0
        page.keyboard.press("p")
        expect(pause).to_have_attribute("aria-pressed", "false")
    speed = page.locator('#motion select[name="speed"]')
    for value in ("4", "2"):
        speed.select_option(value)
        expect(speed).to_have_value(value)
    settle(page)
    # Paused twice, the run was asked for in three pieces; the server, asked for it whole
    # (same seed, rate and clients), counts what the page counted.
    params: dict[str, Any] = {"destination": "web.default:80", "seed": 7, "rate": 40, "clients": 5}
    whole = httpx.get(server.url + "/api/clusters/demo/traffic", timeout=60,
                      params={**params, "requests": 100})  # fmt: skip
    done = orjson.loads(whole.text.rstrip().rsplit("data: ", 1)[1])
    assert done["requests"] == 100
    assert counts(page)["pod"] == done["by_pod"] and counts(page)["node"] == done["by_node"]
    rate_field = page.locator('#motion input[name="rate"]')
    rate_field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("1000")
    page.evaluate("() => document.activeElement.blur()")
    before, served_before = counts(page), served(page)
    press_button(page, '#motion [data-send="1000"]')
    expect(page.locator("#motion-status")).to_contain_text("animating 1 in ")
    shot(page, "motion-sampled")
    settle(page)
    after, served_after = counts(page), served(page)
    assert served_after["requests"] - served_before["requests"] == 1000
    for key, n in after["pod"].items():
        drawn = n - before["pod"].get(key, 0)
        assert drawn == served_after["pod"][key] - served_before["pod"].get(key, 0), key
    assert landed_outside_their_pod(page) == []
    page.close()


def test_policy_and_provider_switches_during_a_run_twice(browser: Browser, server: Server) -> None:
    page = motion_page(browser, server)
    status = page.locator("#motion-change")
    press_button(page, '#motion [data-send="100"]')
    press_button(page, '#motion [data-fault="etp"]')
    expect(status).to_contain_text("web: externalTrafficPolicy Local")
    press_button(page, '#motion [data-fault="etp"]')
    expect(status).to_contain_text("web: externalTrafficPolicy Cluster")
    provider = page.locator('#motion select[name="provider"]')
    for value in ("metallb-l2", "cloud"):
        provider.focus()
        provider.select_option(value)
        page.evaluate("() => document.activeElement.blur()")
        expect(status).to_have_text(f"provider {value}")
    settle(page)
    assert served(page)["requests"] == 100
    assert counts(page)["pod"] == served(page)["pod"]
    assert landed_outside_their_pod(page) == []
    shot(page, "motion-switches")
    page.close()
