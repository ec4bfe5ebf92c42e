-- No ARGV of its own: the releases it carries (release_lease, run before any operation) are its
-- work, sent alone when no other script came to carry them soon enough.
return {1}
