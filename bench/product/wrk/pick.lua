-- The shared wrk script (../shared/bench/wrk/request.lua, path in BENCH_BASE_LUA) plus drawn
-- parts: every {pick_NAME} in a request is replaced by one of the alternatives in the
-- environment variable BENCH_PICK_NAME (separated by "|"), drawn at random per request and
-- per placeholder (math.random, seeded per thread by request.lua's init).  For GET paths only:
-- a body's Content-Length would not follow.  Set up by bench/product/load_pick.py.
dofile(os.getenv("BENCH_BASE_LUA"))

local picks = {}
for name in string.gmatch(os.getenv("BENCH_PICK_NAMES") or "", "[^,]+") do
  local alts = {}
  for alt in string.gmatch((os.getenv("BENCH_PICK_" .. name) or "") .. "|", "([^|]*)|") do
    table.insert(alts, alt)
  end
  picks[name] = alts
end

local base_request = request
function request()
  local req = base_request()
  return (string.gsub(req, "{pick_([%w_]+)}", function(name)
    local alts = picks[name]
    if alts == nil or #alts == 0 then return nil end
    return alts[math.random(1, #alts)]
  end))
end
