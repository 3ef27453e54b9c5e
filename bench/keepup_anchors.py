"""Where the story was on each aged article's last full extraction: the anchors a steady
intake leaves (bench/keepup.py).

A service that has been running keeps, on every article it has read, the story region
its last full extraction located (newsmon.record.reading.StoryAnchor), and the count of
fast checks since, so its next recheck of an unchanged story takes the fast path unless
the safety net is due. A database built without them would make every check of the run a
full extraction: a service's first day, not its steady state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsmon.extract.storyprint import StoryPrint
    from newsmon.record.reading import StoryAnchor


def story_paths(pages: list[tuple[str, str]], url: str) -> list[tuple[int, ...] | None]:
    """Where each real page's story lies, served under `url` (the path does not depend on
    the URL: only the page's structure)."""
    from newsmon.extract.fastread import read_page

    paths = []
    for original, page in pages:
        story = read_page(page.replace(original, url), url).story
        paths.append(story.path if story else None)
    return paths


def net_state(story: StoryPrint, first_seen: datetime, checked: list[timedelta]) -> StoryAnchor:
    """The anchor after checks at `checked` offsets from `first_seen` (the first a full
    extraction: the first fetch), every one finding the story unchanged: the safety net's
    own rule (newsmon.record.reading.anchor_due) applied along the way, each net agreeing."""
    from newsmon.record.reading import StoryAnchor, anchor_due

    anchor = StoryAnchor(story, "x", "d", first_seen + checked[0])
    for offset in checked[1:]:
        at = first_seen + offset
        if anchor_due(anchor, extractor="x", latest_hash="d", now=at) is None:
            anchor = anchor.after_net(at)
        else:
            anchor = anchor.after_fast_check()
    return anchor


def anchor_json(
    page: tuple[str, str],
    path: tuple[int, ...],
    url: str,
    *,
    digest: str,
    extractor: str,
    first_seen: datetime,
    checked: list[timedelta],
    stale: bool = False,
) -> str | None:
    """The anchor of an article served as `page` at `url`, checked at `checked` offsets
    from `first_seen` with its text `digest` unchanged; None when the region is not there.
    `stale`: a fingerprint no page of this scheme gives (one taken on another tree)."""
    from newsmon.extract.storydom import story_tree
    from newsmon.extract.storyprint import StoryPrint, fingerprint

    original, html = page
    tree = story_tree(html.replace(original, url))
    printed = fingerprint(tree, path, url) if tree is not None else None
    if printed is None:
        return None
    if stale:
        printed = "0" * len(printed)
    anchor = net_state(StoryPrint(path, printed), first_seen, checked)
    return replace(anchor, extractor=extractor, digest=digest).to_json()
