"""Routes of this part of the site; mounted by photosite/urls.py."""
urlpatterns = []
