"""`{% load thumbnails %}` then `{% thumbnail_url photo %}` or `{% thumbnail_url photo "800" %}`, and
`{% playable_url photo %}` for a video's `<video src>`:
links only; nothing is generated while a page renders."""
from django import template

from thumbnails import links

register = template.Library()


@register.simple_tag
def thumbnail_url(photo, size="400"):
    return links.thumbnail_url(photo, str(size))



@register.simple_tag
def playable_url(photo):
    return links.playable_url(photo)
