-- A module that keeps listeners in a local table and has no way to remove
-- them: used by tests/lua/leak_scenarios.lua.
local M = {}
local listeners = {}
function M.on(event, fn) listeners[#listeners + 1] = { event = event, fn = fn } end
return M
