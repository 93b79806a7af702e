/*
 * articleurl: an article's URL as geotrack stores it, the item's link without the query
 * parameters that only tag it for the site's analytics. Outlets tag each feed's links
 * differently (Deutsche Welle ?maca=en-rss-en-world-..., France 24 ?xtor=RSS-..., many
 * sites utm_*), so one article listed in two feeds would otherwise be two URLs. Pure: no
 * I/O, never logs.
 */
#ifndef GEOTRACK_ARTICLEURL_H
#define GEOTRACK_ARTICLEURL_H

#include "buf.h"

/*
 * `link` without its tracking parameters, written to *out, or `link` itself when it has
 * none. Parameters that pick the page stay, in their order, and so does the fragment (a
 * live blog's posts differ there). The result lives until *out is next used.
 */
const char *article_url(const char *link, struct buf *out);

#endif
