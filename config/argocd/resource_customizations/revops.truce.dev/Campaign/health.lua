-- Health of a truce Campaign (revops.truce.dev/v1alpha1).
-- Progressing until truce has observed the latest generation and said whether
-- it can act; Suspended when spec.suspend is true; Degraded when truce cannot
-- do its job (Ready=False); Healthy otherwise, with the Balanced condition's
-- reason and message: a funnel out of balance is a business state, not a
-- broken resource. Uses only Lua's base library, as Argo CD runs scripts from
-- argocd-cm without the standard libraries.
local hs = {}

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function describe(c)
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end

local status = obj.status
local generation = obj.metadata.generation
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for truce to observe the campaign"
  return hs
end
if generation ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for truce to observe generation " .. generation .. " (observed " .. status.observedGeneration .. ")"
  return hs
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: outreach is held at zero"
  return hs
end

local ready = condition(status.conditions, "Ready")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for truce to report whether it can act"
  return hs
end
if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

hs.status = "Healthy"
local balanced = condition(status.conditions, "Balanced")
if balanced ~= nil then
  hs.message = describe(balanced)
else
  hs.message = describe(ready)
end
return hs
