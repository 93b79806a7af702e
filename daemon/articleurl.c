#include "articleurl.h"

#include <stdbool.h>
#include <string.h>

/*
 * Query parameters that only tell a site's analytics which feed or campaign a reader came
 * from: Google's utm_*, AT Internet's xtor, at_medium and at_campaign (BBC, France 24,
 * Le Monde), comScore's ns_*, Deutsche Welle's maca, the Guardian's CMP, Microsoft's
 * ocid and msclkid, Facebook's fbclid, Google Ads' gclid, Mailchimp's mc_cid and mc_eid.
 * Names compare case-sensitively, as servers read them.
 */
static bool is_tracking_param(const char *name, size_t len)
{
	static const char *const names[] = {"xtor", "at_medium", "at_campaign", "ns_mchannel",
		"ns_source", "ns_campaign", "ns_linkname", "ns_fee", "maca", "CMP", "ocid",
		"msclkid", "fbclid", "gclid", "mc_cid", "mc_eid"};
	if (len > 4 && memcmp(name, "utm_", 4) == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == len && memcmp(name, names[i], len) == 0)
			return true;
	}
	return false;
}

const char *article_url(const char *link, struct buf *out)
{
	/* The query runs from the first '?' to the fragment; a '?' inside the fragment
	 * starts no query. */
	const char *end = link + strcspn(link, "#");
	const char *query = memchr(link, '?', (size_t)(end - link));
	if (!query)
		return link;
	buf_reset(out);
	buf_append(out, link, (size_t)(query - link));
	bool dropped = false, kept = false;
	for (const char *param = query + 1; param < end; param++) {
		size_t len = strcspn(param, "&#");
		size_t name_len = strcspn(param, "=&#");
		if (name_len > len)
			name_len = len;
		if (len && is_tracking_param(param, name_len)) {
			dropped = true;
		} else if (len) {
			buf_append_char(out, kept ? '&' : '?');
			buf_append(out, param, len);
			kept = true;
		}
		param += len;
	}
	if (!dropped)
		return link;
	buf_append_str(out, end);
	return out->data;
}
