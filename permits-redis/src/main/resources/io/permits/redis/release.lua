-- No ARGV of its own: the releases and cancels it carries (settle, run before any operation) are
-- its work, sent alone when no other script came to carry them soon enough, or at once for a
-- cancel.
return {1}
