/* articleurl: an article's URL without the parameters that only tag it for analytics. */
#include <string.h>

#include "articleurl.h"
#include "../tap.h"

static struct buf out;

static const char *clean(const char *link)
{
	return article_url(link, &out);
}

int main(void)
{
	const char *plain = "https://www.dw.com/en/russia-deploys-troops/a-48056420";
	ok(clean(plain) == plain, "a link without a query is returned as it is");
	const char *picked = "https://example.org/story.php?id=7&page=2";
	ok(clean(picked) == picked, "a query that only picks the page is kept as it is");
	is_str(clean("https://www.dw.com/en/a-48056420?maca=en-rss-en-world-4025-rdf"),
		"https://www.dw.com/en/a-48056420", "Deutsche Welle's feed tag goes, and the '?'");
	is_str(clean("https://example.org/a?utm_source=rss&id=7&xtor=RSS-1&utm_medium=feed"),
		"https://example.org/a?id=7", "the page's parameter stays between tracking ones");
	is_str(clean("https://example.org/live?id=7&utm_campaign=x#post-3"),
		"https://example.org/live?id=7#post-3", "the fragment stays");
	is_str(clean("https://example.org/live?at_medium=RSS&at_campaign=rss#post-3"),
		"https://example.org/live#post-3", "and stays when the whole query goes");
	const char *in_fragment = "https://example.org/live#post?utm_source=rss";
	ok(clean(in_fragment) == in_fragment, "a '?' inside the fragment starts no query");
	is_str(clean("https://example.org/a?&&fbclid=IwAR0&&gclid=x&"), "https://example.org/a",
		"empty parameters and tracking ones leave nothing");
	is_str(clean("https://example.org/a?CMP=share&cmp=b&utm_=c&utm_source"),
		"https://example.org/a?cmp=b&utm_=c", "names compare exactly; a bare name counts");
	const char *word = "https://example.org/a?maca";
	is_str(clean(word), "https://example.org/a", "a name without a value is still a name");
	buf_free(&out);
	return tap_done();
}
