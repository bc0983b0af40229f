// The registration page picks the browser's zone when the picker offers it, under its
// present name when the browser still reports an old one.

import { describe, expect, it } from "vitest";
import { browserZone } from "../src/time-zone";

const offered = new Set(["UTC", "Asia/Kolkata", "Europe/Paris"]);
const aliases = { "Asia/Calcutta": "Asia/Kolkata" };

describe("browserZone", () => {
  it("takes a zone the picker offers", () => {
    expect(browserZone("Europe/Paris", offered, aliases)).toBe("Europe/Paris");
  });
  it("maps an old name to the present one", () => {
    expect(browserZone("Asia/Calcutta", offered, aliases)).toBe("Asia/Kolkata");
  });
  it("leaves the picker alone for a zone it does not offer", () => {
    expect(browserZone("Mars/Olympus_Mons", offered, aliases)).toBeNull();
  });
});
