-- Control (no leak): an ephemeron side table whose values point back at
-- their keys. Weak keys let the entry go with the player, cycle and all.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local extra = setmetatable({}, { __mode = "k" })
_G.PlayerExtra = extra

game.add_system {
  on_login = function(p)
    extra[p] = { owner = p, joined = os.time(), tags = { "new" } }
  end,
}

harness.run("control_ephemeron", game)
