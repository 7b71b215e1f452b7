/**
 * One definition of production for the program and the pack: a name is production when one of
 * its tokens says so, not only when it is spelt `production`.
 */
import { isProductionName } from "../../contract/production";

describe("what counts as production", () => {
  it.each(["production", "prod", "prod-eu", "eu-prod", "Production_US", "live", "shop.prd"])("%s is production", (name) => {
    expect(isProductionName(name)).toBe(true);
  });

  it.each(["staging", "preview", "preprod", "pre-prod", "non-prod", "not_prod", "product-catalogue", "reproduction", "", undefined])(
    "%s is not",
    (name) => {
      expect(isProductionName(name)).toBe(false);
    },
  );

  it("a team's own production names count too", () => {
    expect(isProductionName("customer-facing", ["customer-facing"])).toBe(true);
    expect(isProductionName("customer-facing")).toBe(false);
  });
});
