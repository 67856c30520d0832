"""`parlab lab --quick` writes lab-report/index.html, and a real browser (headless Chromium, tests/cli/cdp.py)
opens it: no console errors, every experiment's section has a chart whose SVG shows marks and labelled axes
(or says why it has none), the summary links to every section, and a full-page screenshot is written next to
the report (build/lab-report-quick/index.png). Without Chromium the test is skipped (exit 77) with the
reason. The tour's output folder stays for people to look at."""
import os
import re
import sys
import time

import cdp
from harness import PARLAB, Suite, clean_env, expect_eq, expect_in, mkdtemp, run

browser_exe = cdp.find_chromium()
if not browser_exe:
    print("SKIP: no Chromium (install Debian's chromium package: tools/install-deps.sh); set PARLAB_CHROMIUM"
          " to use another")
    sys.exit(77)

OUT = os.path.join(os.path.dirname(PARLAB), "lab-report-quick")
PAGE = os.path.join(OUT, "index.html")
# Sections allowed to have no chart, and the words their page must give as the reason.
NO_CHART = {"gpu_matmul": "measured nothing"}

CHECK_CHARTS = r"""JSON.stringify([...document.querySelectorAll('section.experiment')].map(sec => {
  const svg = sec.querySelector('figure.chart svg'), r = {id: sec.id, nochart: sec.dataset.nochart || ''};
  if (!svg) return r;
  const box = svg.getBoundingClientRect();
  const inside = e => { const b = e.getBoundingClientRect(), st = getComputedStyle(e);
    return (b.width > 0 || b.height > 0) && st.visibility !== 'hidden' && st.display !== 'none' &&
      b.right >= box.left && b.left <= box.right && b.bottom >= box.top && b.top <= box.bottom; };
  const text = sel => [...svg.querySelectorAll(sel)].filter(inside).map(e => e.textContent.trim());
  return Object.assign(r, {width: box.width, height: box.height,
    marks: [...svg.querySelectorAll('.mark')].filter(inside).length,
    xlabel: text('.xlabel').join(''), ylabel: text('.ylabel').join(''), title: text('.title').join(''),
    ticks: text('.tick').length, legend: text('.legend').length});
}))"""

suite = Suite()
tour = {}


@suite.test
def the_quick_tour_writes_the_page():
    t0 = time.monotonic()
    rc, out, err = run(["lab", "--quick", "--out", OUT], timeout=280, env=clean_env())
    print("     parlab lab --quick: %.1f s" % (time.monotonic() - t0))
    expect_eq(rc, 0, "parlab lab --quick exit status\n" + out[-3000:] + err[-2000:])
    expect_in("0 experiment(s) failed", out, "tour summary")
    with open(PAGE, encoding="utf-8") as f:
        tour["html"] = f.read()


@suite.test
def the_page_is_self_contained_and_says_quick():
    html = tour["html"]
    expect_eq(re.findall(r"<script|<link|@import|url\(", html, re.I), [], "scripts, links or fetched styles")
    expect_eq(re.findall(r'(?:src|href)\s*=\s*"(?!#)[^"]*"', html), [], "references to other files")
    expect_in("Quick sizes", html, "the quick banner")
    expect_in("CPUs", html, "the machine")


def check_sections(sections, links):
    ids = {s["id"] for s in sections}
    expect_eq(len(sections) >= 30, True, "sections: %d" % len(sections))
    expect_eq(sorted(set(l[1:] for l in links) - ids), [], "summary links without a section")
    expect_eq(sorted(ids - set(l[1:] for l in links)), [], "sections missing from the summary")
    for s in sections:
        if "marks" not in s:
            reason = NO_CHART.get(s["id"])
            expect_eq(bool(reason) and reason in s["nochart"], True, "%s has no chart: %r" % (s["id"], s["nochart"]))
            print("     %s: no chart (%s)" % (s["id"], s["nochart"]))
            continue
        what = "%s chart: %r" % (s["id"], s)
        expect_eq(s["marks"] > 0 and s["ticks"] >= 2 and s["legend"] >= 1, True, what)
        expect_eq(bool(s["xlabel"]) and bool(s["ylabel"]) and bool(s["title"]), True, what)
        expect_eq(s["width"] > 300 and s["height"] > 150, True, what)


@suite.test
def a_real_browser_shows_every_chart():
    import json
    folder = mkdtemp("parlab-page-")
    bad = os.path.join(folder, "bad.html")
    with open(bad, "w") as f:   # the console check can fail: a page with errors is seen as one
        f.write('<!DOCTYPE html><img src="missing.png"><script>console.error("broken")</script>')
    t0 = time.monotonic()
    b = cdp.Browser(browser_exe)
    try:
        b.open("file://" + bad)
        broken = b.console_errors()
        b.open("file://" + os.path.abspath(PAGE))
        errors = b.console_errors()
        sections = json.loads(b.evaluate(CHECK_CHARTS))
        links = b.evaluate("[...document.querySelectorAll('table.summary a')].map(a => a.getAttribute('href'))")
        shot = os.path.join(OUT, "index.png")
        width, height = b.screenshot(shot)
    finally:
        b.close()
    expect_eq(any("broken" in e for e in broken) and any("missing.png" in e or "FILE_NOT_FOUND" in e
                                                          for e in broken), True, "errors seen: %r" % broken)
    expect_eq(errors, [], "console errors")
    check_sections(sections, links)
    with open(shot, "rb") as f:
        head = f.read(24)
    expect_eq(head[:8], b"\x89PNG\r\n\x1a\n", "screenshot is a PNG")
    expect_eq(int.from_bytes(head[20:24], "big") >= height > 2000, True, "screenshot is the whole page")
    print("     %d sections, screenshot %dx%d: %s; browser %.1f s" % (len(sections), width, height, shot,
                                                                     time.monotonic() - t0))


suite.finish()
