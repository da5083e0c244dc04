-- Health of a truce SalesTarget (revops.truce.dev/v1alpha1).
-- Progressing until truce has observed the latest generation and said whether
-- it can act; Degraded when truce cannot do its job (Ready=False); Healthy
-- otherwise, with the Balanced condition's reason and message, every drift
-- class that holds (status.driftClasses) and whose problem it is, and the
-- QuotaAtRisk reason and message when the quota is at risk: a funnel out of
-- balance or a quarter behind pace is a business state, not a broken
-- resource. Uses only Lua's base library, as Argo CD runs scripts from
-- argocd-cm without the standard libraries.
local hs = {}

-- Whose problem each drift class is, in words.
local whose = {
  LeadOverflow = "sales: more leads than it can work",
  CapacityBelowQuotaNeed = "sales: too few reps for the quota",
  LeadQualityLow = "marketing: too few leads qualify",
  LeadShortfall = "marketing: too few leads",
  ConversionLow = "sales: good leads do not win",
  LeadsUnworked = "sales: accepted leads miss their first-contact service level",
}

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

-- drift lists the classes that hold, most urgent first, each with whose
-- problem it is; "" when none does (or the controller predates the list).
local function drift(classes)
  local out = ""
  if type(classes) ~= "table" then
    return out
  end
  for _, class in ipairs(classes) do
    if out ~= "" then
      out = out .. ", "
    end
    out = out .. class
    if whose[class] ~= nil then
      out = out .. " (" .. whose[class] .. ")"
    end
  end
  return out
end

local status = obj.status
local generation = obj.metadata.generation
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for truce to observe the sales target"
  return hs
end
if generation ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for truce to observe generation " .. generation .. " (observed " .. status.observedGeneration .. ")"
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
local classes = drift(status.driftClasses)
if classes ~= "" then
  hs.message = hs.message .. "; drift: " .. classes
end
local atRisk = condition(status.conditions, "QuotaAtRisk")
if atRisk ~= nil and atRisk.status == "True" then
  hs.message = hs.message .. "; " .. describe(atRisk)
end
return hs
