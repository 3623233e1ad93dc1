"""A share link's renditions: the thumbnails app's thumbnail, video and motion responses, for the
photos a share link shows. This is where the project joins its two apps: the library decides what
a link shows (`share_scope`, the `shared_media` gate) and the thumbnails app makes and sends the
renditions, and neither app imports the other's views."""
from django.http import Http404
from django.urls import reverse

from library.services import share_links
from library.services.share_links import share_scope
from library.views.share_links import shared_media
from thumbnails.embedded_video_views import embedded_video_response
from thumbnails.video_views import video_response
from thumbnails.views import thumbnail_response


@shared_media
async def share_thumbnail(request, link, token, photo_id):
    return await thumbnail_response(request, share_scope(link), photo_id)


@shared_media
async def share_video(request, link, token, photo_id):
    def original_url(photo):
        return (f"{reverse('share-page', args=[token])}photo/{photo.pk}/original"
                if share_links.may_send_original(link, photo) else None)
    return await video_response(request, share_scope(link), photo_id, original_url)


@shared_media
async def share_motion(request, link, token, photo_id):
    photo = await share_scope(link).only("id", "latitude", "longitude").filter(pk=photo_id).afirst()
    if photo is None:
        raise Http404("no such motion photo")
    return await embedded_video_response(request, share_scope(link), photo_id,
                                         from_original=share_links.may_send_original(link, photo))
