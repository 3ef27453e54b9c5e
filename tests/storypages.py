"""Real-page-like layouts for the fast-path tests: the story in an article among chrome
that changes on every request (ad slots, a ticker, counters, a rotating "most read").

Each layout is a `newssite.Story.template`; `EDITS` are the publisher's edits the fast
path must never hide, each a change to the story a full extraction sees.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from tests.newssite import Story

MOST_READ = [
    "Storm closes coastal road for the weekend",
    "Hospital waiting lists fall for a third month",
    "Rail fares to rise by four per cent in March",
    "Library opening hours extended over the winter",
    "New cycle lanes approved after long consultation",
]


def _rotating(views: int) -> str:
    turn = views % len(MOST_READ)
    items = MOST_READ[turn:] + MOST_READ[:turn]
    return "".join(
        f'<li><a href="/news/x{i}">{html.escape(t)}</a></li>' for i, t in enumerate(items)
    )


def _paragraphs(story: Story) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)


def _page(story: Story, views: int, main: str) -> str:
    title = html.escape(story.title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Loopback Post</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="The Loopback Post">
<script>window.adConfig = {{"slot": "top-{views}", "ts": {views * 7919}}};</script>
</head><body class="page-{views % 3}">
<header class="masthead"><a class="logo" href="/">The Loopback Post</a>
<nav><a href="/news">News</a> <a href="/politics">Politics</a> <a href="/sport">Sport</a></nav>
<div class="ticker">Markets: FTSE {7000 + views % 500} points, pound at {views % 9}</div>
</header>
<div class="ad-slot" id="ad-top-{views}">Advertisement. Sponsored offer number {views}.</div>
<main id="content">{main}</main>
<section class="most-read"><h2>Most read</h2><ol>{_rotating(views)}</ol></section>
<div class="counter">{views} people are reading this now</div>
<footer><p>The Loopback Post, rendered for visitor {views}.</p>
<a href="/about">About us</a> <a href="/privacy">Privacy</a></footer>
</body></html>"""


def _article(story: Story, views: int) -> str:
    return f"""
<article class="article">
<header class="article-header"><h1 class="headline">{html.escape(story.title)}</h1>
<p class="byline">{html.escape(story.byline)}</p></header>
<div class="article-body">
{_paragraphs(story)}
<aside class="inline-promo"><p>Subscribe for {views % 5 + 1} pounds a month.</p></aside>
<script>loadComments({views});</script>
</div>
</article>"""


def front(story: Story, views: int) -> str:
    """The usual layout: main > div.layout > article (headline, body) beside a sidebar."""
    sidebar = f'<aside class="sidebar"><p>Weather: {views % 30} degrees</p></aside>'
    return _page(story, views, f'<div class="layout">{_article(story, views)}{sidebar}</div>')


def moved(story: Story, views: int) -> str:
    """A redesign: the same story, now in a section inside two new wrappers."""
    body = f"""
<div class="grid"><div class="col-main"><section class="story">
<h1 class="headline">{html.escape(story.title)}</h1>
<p class="byline">{html.escape(story.byline)}</p>
<div class="story-text">{_paragraphs(story)}</div>
</section></div><div class="col-side"><p>Weather: {views % 30} degrees</p></div></div>"""
    return _page(story, views, body)


Layout = Callable[[Story, int], str]


def split(story: Story, views: int) -> str:
    """The headline in a hero banner far from the text; the text in bare paragraphs."""
    body = f"""
<div class="hero"><h1>{html.escape(story.title)}</h1><div class="hero-ad">Ad {views}</div></div>
<div class="wrap"><div class="text">
{_paragraphs(story)}
</div><div class="tags"><a href="/t/council">Council</a></div></div>"""
    return _page(story, views, body)
