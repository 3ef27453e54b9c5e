"""Where the story was on each aged article's last full extraction: the anchors a steady
intake leaves (bench/keepup.py).

A service that has been running keeps, on every article it has read, the story region
its last full extraction located (newsmon.record.reading.StoryAnchor), and the count of
fast checks since, so its next recheck of an unchanged story takes the fast path unless
the safety net is due. A database built without them would make every check of the run a
full extraction: a service's first day, not its steady state.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def story_paths(pages: list[tuple[str, str]], url: str) -> list[tuple[int, ...] | None]:
    """Where each real page's story lies, served under `url` (the path does not depend on
    the URL: only the page's structure)."""
    from newsmon.extract.fastread import read_page

    paths = []
    for original, page in pages:
        story = read_page(page.replace(original, url), url).story
        paths.append(story.path if story else None)
    return paths


def net_state(offsets: list[timedelta]) -> tuple[int, timedelta]:
    """After checks at `offsets` (the first a full extraction: the first fetch), the fast
    checks since the last full one and when that was: the safety net's own rule
    (newsmon.record.reading.anchor_due) applied along the way, every check unchanged."""
    from newsmon.record.reading import FULL_AFTER, FULL_EVERY

    fast, full = 0, offsets[0]
    for at in offsets[1:]:
        if fast >= FULL_EVERY or at - full >= FULL_AFTER:
            fast, full = 0, at
        else:
            fast += 1
    return fast, full


def anchor_json(
    page: tuple[str, str],
    path: tuple[int, ...],
    url: str,
    *,
    digest: str,
    extractor: str,
    first_seen: datetime,
    checked: list[timedelta],
) -> str | None:
    """The anchor of an article served as `page` at `url`, checked at `checked` offsets
    from `first_seen` with its text `digest` unchanged; None when the region is not there."""
    from newsmon.extract.parse import parse_page
    from newsmon.extract.storyprint import StoryPrint, fingerprint
    from newsmon.record.reading import StoryAnchor

    original, html = page
    tree = parse_page(html.replace(original, url))
    printed = fingerprint(tree, path, url) if tree is not None else None
    if printed is None:
        return None
    fast, full = net_state(checked)
    story = StoryPrint(path, printed)
    return StoryAnchor(story, extractor, digest, first_seen + full, fast).to_json()
