-- SPDX-License-Identifier: GPL-2.0-or-later
-- pandoc filter for the man pages: the sources are the Markdown documents
-- under docs/ (read on GitHub too). Their level-1 heading is the page's
-- title, which the man header already shows: drop it and lift the rest one
-- level (## NAME -> .SH NAME, ### -> .SS). Section headings are upper-cased,
-- as man pages have them. Links to other documents become their text: a man
-- page cannot follow them.
function Header(h)
  if h.level == 1 then
    return {}
  end
  h.level = h.level - 1
  if h.level == 1 then
    h.content = pandoc.walk_inline(pandoc.Span(h.content), {
      Str = function(s) return pandoc.Str(pandoc.text.upper(s.text)) end,
      Code = function(c) return pandoc.Str(pandoc.text.upper(c.text)) end,
    }).content
  end
  return h
end

function Link(l)
  return l.content
end
