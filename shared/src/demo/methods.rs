//! The twelve brewing guides of the demo catalogue and the house techniques cafés build on them.
//!
//! Figures are the usual specialty-coffee starting points (SCA-style ratios, temperatures and
//! times), not a single café's recipe.

use crate::domain::{BrewingMethod, Range, Slug};

use super::DemoError;

/// One brewing guide, as static data.
pub(super) struct MethodSpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    pub grind: &'static str,
    pub ratio: &'static str,
    pub temp_c: (u16, u16),
    pub time_s: (u16, u16),
    pub equipment: &'static [&'static str],
    pub steps: &'static [&'static str],
    /// House techniques a café may be known for with this method: (name, description).
    pub techniques: &'static [(&'static str, &'static str)],
}

/// Every brewing method, in catalogue order.
pub(super) const METHODS: &[MethodSpec] = &[
    MethodSpec {
        slug: "espresso",
        name: "Espresso",
        category: "pressure",
        description: "A short, concentrated drink made by forcing hot water through a tightly packed puck of finely ground coffee at around nine bar. The base of most café menus and the most demanding recipe to keep dialled in.",
        grind: "fine, like powdered sugar with a little grit",
        ratio: "1:2",
        temp_c: (90, 96),
        time_s: (25, 32),
        equipment: &[
            "espresso machine",
            "burr grinder",
            "portafilter basket",
            "tamper",
            "scale",
        ],
        steps: &[
            "Purge the group head and dry the basket.",
            "Dose 18 g of fresh, finely ground coffee into the basket.",
            "Distribute evenly and tamp level with firm, consistent pressure.",
            "Lock in and start the shot immediately, with the cup on a scale.",
            "Stop at about 36 g of liquid, 25–32 seconds after starting.",
            "Taste, then adjust grind finer if sour and thin, coarser if bitter and harsh.",
        ],
        techniques: &[
            (
                "Turbo shot",
                "A coarser grind and lower pressure pull a 1:3 shot in fifteen seconds: brighter, clearer and far more forgiving than a traditional ristretto.",
            ),
            (
                "Lever pre-infusion",
                "The spring lever soaks the puck at low pressure before the main extraction, then declines gently, so light roasts come out sweet rather than sour.",
            ),
            (
                "Daily dial-in",
                "The first shots of the morning are weighed, timed and tasted against the roaster's recipe card until the espresso lands, and re-checked at noon.",
            ),
            (
                "Flat-white microfoam",
                "Milk is stretched briefly and rolled hard for a glossy, paint-like texture that is poured thin so the espresso still leads.",
            ),
        ],
    },
    MethodSpec {
        slug: "v60",
        name: "Hario V60",
        category: "pour-over",
        description: "A cone-shaped dripper with spiral ribs and one large hole, so the flow rate depends on the pour rather than the filter. Rewards a steady hand with a clean, bright and layered cup.",
        grind: "medium-fine, like table salt",
        ratio: "1:16",
        temp_c: (92, 96),
        time_s: (150, 210),
        equipment: &[
            "Hario V60 dripper",
            "paper filter",
            "gooseneck kettle",
            "burr grinder",
            "scale",
            "server or mug",
        ],
        steps: &[
            "Rinse the paper filter with hot water and discard the rinse water.",
            "Add 15 g of medium-fine coffee and make a small well in the centre.",
            "Bloom with 40 g of water and swirl gently; wait 40 seconds.",
            "Pour in slow spirals to 150 g, avoiding the filter walls.",
            "Continue to 250 g by 1:45, then give the dripper a gentle swirl.",
            "Let it draw down flat; aim to finish by 3:00.",
        ],
        techniques: &[
            (
                "4:6 method",
                "Tetsu Kasuya's recipe splits the water into five pours: the first two tune sweetness and acidity, the last three set the strength.",
            ),
            (
                "Single continuous pour",
                "After the bloom, one slow, unbroken pour keeps the bed temperature stable and the extraction even.",
            ),
            (
                "Rao spin",
                "A firm swirl after the last pour flattens the bed so the coffee drains evenly and nothing is stranded on the walls.",
            ),
        ],
    },
    MethodSpec {
        slug: "chemex",
        name: "Chemex",
        category: "pour-over",
        description: "An hourglass-shaped glass brewer with a thick bonded paper filter that holds back most oils and fines. Produces a very clean, tea-like cup and brews comfortably for several people.",
        grind: "medium-coarse, like kosher salt",
        ratio: "1:15",
        temp_c: (93, 96),
        time_s: (240, 330),
        equipment: &[
            "Chemex brewer",
            "Chemex bonded filter",
            "gooseneck kettle",
            "burr grinder",
            "scale",
        ],
        steps: &[
            "Place the filter with the triple-fold side facing the spout and rinse it well.",
            "Discard the rinse water and add 40 g of medium-coarse coffee.",
            "Bloom with 80 g of water for 45 seconds.",
            "Pour in stages to 600 g, keeping the slurry about two centimetres below the rim.",
            "Let it drain completely, around four to five minutes in total.",
            "Remove the filter, swirl the carafe and serve.",
        ],
        techniques: &[
            (
                "Three-pour Chemex",
                "Bloom, then two large pours at fixed marks on the scale, so a six-cup batch tastes the same on every shift.",
            ),
            (
                "Chemex for the table",
                "Brewed in a large batch at the counter and served in a carafe with tasting notes, meant to be shared.",
            ),
        ],
    },
    MethodSpec {
        slug: "kalita-wave",
        name: "Kalita Wave",
        category: "pour-over",
        description: "A flat-bottomed dripper with three small holes and a fluted filter that barely touches the walls. The flat bed makes extraction even and forgiving, giving a sweet, rounded cup.",
        grind: "medium, like coarse sand",
        ratio: "1:16",
        temp_c: (92, 96),
        time_s: (180, 240),
        equipment: &[
            "Kalita Wave 185 dripper",
            "Wave paper filter",
            "gooseneck kettle",
            "burr grinder",
            "scale",
        ],
        steps: &[
            "Rinse the Wave filter without flattening its ridges.",
            "Add 20 g of medium-ground coffee and level the bed.",
            "Bloom with 50 g of water for 30–40 seconds.",
            "Pour in small pulses of about 50 g, keeping the water level constant.",
            "Stop at 320 g and let the bed drain flat, around 3:30.",
        ],
        techniques: &[
            (
                "Pulse pouring",
                "Small pours every fifteen seconds keep the water level steady so the flat bed extracts evenly.",
            ),
            (
                "Wave for milk-free mornings",
                "A slightly finer grind and a 1:15 ratio give a sweeter, heavier filter for people moving over from milk drinks.",
            ),
        ],
    },
    MethodSpec {
        slug: "aeropress",
        name: "AeroPress",
        category: "immersion",
        description: "A plastic syringe-like brewer that steeps coffee briefly and then pushes it through a paper filter with gentle air pressure. Fast, portable and endlessly tweakable.",
        grind: "medium-fine, between table salt and sand",
        ratio: "1:15",
        temp_c: (80, 95),
        time_s: (90, 150),
        equipment: &[
            "AeroPress",
            "AeroPress paper filter",
            "kettle",
            "burr grinder",
            "scale",
            "stirrer",
        ],
        steps: &[
            "Rinse the filter in the cap and set the chamber on a sturdy mug.",
            "Add 15 g of medium-fine coffee.",
            "Pour 225 g of water at about 90 °C and stir three times.",
            "Insert the plunger slightly to create a seal and steep for 1:30.",
            "Swirl, then press slowly for about 30 seconds until you hear a hiss.",
        ],
        techniques: &[
            (
                "Inverted AeroPress",
                "Brewed upside-down so nothing drips through early, then flipped onto the cup for a full, controlled immersion.",
            ),
            (
                "Championship recipe",
                "A low-temperature, high-dose brew diluted to taste, borrowed from a World AeroPress Championship podium.",
            ),
            (
                "Bypass AeroPress",
                "A concentrated brew topped up with hot water keeps the cup sweet and quick during the morning rush.",
            ),
        ],
    },
    MethodSpec {
        slug: "french-press",
        name: "French Press",
        category: "immersion",
        description: "A full-immersion brewer that steeps coarse grounds and separates them with a metal mesh. Keeps the oils in the cup for a rich, heavy body.",
        grind: "coarse, like breadcrumbs",
        ratio: "1:15",
        temp_c: (93, 96),
        time_s: (240, 540),
        equipment: &["French press", "kettle", "burr grinder", "scale", "spoon"],
        steps: &[
            "Preheat the press with hot water and discard it.",
            "Add 30 g of coarse coffee and pour in 450 g of water.",
            "Steep for four minutes without the lid.",
            "Break the crust, stir gently and skim off the foam and floating grounds.",
            "Wait five more minutes for the fines to settle.",
            "Place the plunger just below the surface and pour slowly without pressing down.",
        ],
        techniques: &[
            (
                "Hoffmann-style press",
                "A long steep, a skimmed crust and a plunger that never reaches the grounds give a cafetière that is heavy but surprisingly clean.",
            ),
            (
                "Press for two",
                "Brewed at the table in a small press, with a timer, for guests to pour when it is ready.",
            ),
        ],
    },
    MethodSpec {
        slug: "siphon",
        name: "Siphon",
        category: "siphon",
        description: "A two-chamber vacuum brewer: vapour pressure pushes heated water into the upper bowl to steep the coffee, and cooling draws the brew back down through a cloth filter. Theatrical, very clean and aromatic.",
        grind: "medium-fine, like table salt",
        ratio: "1:15",
        temp_c: (88, 94),
        time_s: (90, 150),
        equipment: &[
            "siphon brewer",
            "cloth or paper filter",
            "halogen or butane burner",
            "burr grinder",
            "scale",
            "bamboo paddle",
        ],
        steps: &[
            "Fill the lower bowl with 300 g of hot water and fit the filter in the upper bowl.",
            "Heat until the water rises into the upper chamber, then lower the heat.",
            "Add 20 g of coffee and stir with a paddle until fully wet.",
            "Steep for about one minute, stirring once more halfway.",
            "Remove the heat; the brew draws down through the filter in 30–45 seconds.",
            "Separate the bowls and serve from the lower chamber.",
        ],
        techniques: &[
            (
                "Halogen siphon bar",
                "Halogen beam heaters give precise, flame-free control, so the upper bowl holds a steady temperature for delicate florals.",
            ),
            (
                "Kissaten siphon",
                "Brewed the way Tokyo's old coffee houses do it: cloth filters, a bamboo paddle and two measured stirs.",
            ),
        ],
    },
    MethodSpec {
        slug: "moka-pot",
        name: "Moka Pot",
        category: "pressure",
        description: "A stovetop brewer in which steam pressure pushes water up through a bed of fine coffee into the top chamber. Strong, syrupy and espresso-like at home.",
        grind: "fine, slightly coarser than espresso",
        ratio: "1:7",
        temp_c: (90, 100),
        time_s: (240, 360),
        equipment: &["moka pot", "burr grinder", "kettle", "stove"],
        steps: &[
            "Fill the base with hot water up to the safety valve.",
            "Fill the basket with fine coffee, level it without tamping.",
            "Screw the pot together with a towel, taking care with the hot base.",
            "Heat on medium-low with the lid open.",
            "When the coffee runs pale and sputters, take it off the heat.",
            "Cool the base under a cold tap to stop extraction, then serve.",
        ],
        techniques: &[
            (
                "Hot-start moka",
                "Pre-heated water in the base shortens the time on the flame and keeps the coffee from tasting cooked.",
            ),
            (
                "Moka with paper disc",
                "A paper disc under the upper filter gives a cleaner, less gritty cup while keeping the body.",
            ),
        ],
    },
    MethodSpec {
        slug: "cold-brew",
        name: "Cold Brew",
        category: "cold",
        description: "Coarse coffee steeped in cold water for many hours, then filtered. Low in perceived acidity, sweet and chocolatey; served over ice or diluted.",
        grind: "extra coarse, like peppercorns",
        ratio: "1:8",
        temp_c: (4, 22),
        time_s: (43200, 64800),
        equipment: &[
            "large jar or cold-brew tower",
            "burr grinder",
            "paper or cloth filter",
            "scale",
            "refrigerator",
        ],
        steps: &[
            "Grind 100 g of coffee extra coarse.",
            "Combine with 800 g of cold, filtered water and stir until all grounds are wet.",
            "Cover and steep 12–18 hours in the fridge or a cool room.",
            "Strain through a paper or cloth filter.",
            "Dilute about 1:1 with water or milk and serve over ice.",
        ],
        techniques: &[
            (
                "Kyoto slow drip",
                "Ice water drips through the coffee bed one drop at a time for eight hours in a glass tower, for a clean, almost liqueur-like cold coffee.",
            ),
            (
                "Nitro cold brew",
                "Kegged cold brew is infused with nitrogen and poured from a stout tap for a creamy, cascading head without milk.",
            ),
            (
                "Flash-chilled filter",
                "Hot pour-over brewed straight onto ice keeps the florals that long cold steeps lose.",
            ),
        ],
    },
    MethodSpec {
        slug: "turkish-ibrik",
        name: "Turkish Ibrik",
        category: "traditional",
        description: "Extremely fine coffee simmered with water, and often sugar or cardamom, in a small long-handled pot (cezve or ibrik) and served unfiltered. Thick, intense and foamy.",
        grind: "extra fine, like flour",
        ratio: "1:10",
        temp_c: (70, 95),
        time_s: (120, 240),
        equipment: &[
            "cezve (ibrik)",
            "burr grinder capable of a flour-fine grind",
            "small cups",
            "spoon",
        ],
        steps: &[
            "Pour 100 g of cold water into the cezve.",
            "Add 10 g of flour-fine coffee, and sugar or cardamom if you like; stir once.",
            "Heat slowly on low until a dark foam rises to the rim.",
            "Take it off the heat just before it boils over.",
            "Spoon some foam into each cup, then pour gently and let the grounds settle for a minute.",
        ],
        techniques: &[
            (
                "Sand-heated cezve",
                "The pot is moved through a bed of hot sand, which heats it gently and evenly and builds a thick, stable foam.",
            ),
            (
                "Cardamom cezve",
                "Green cardamom is ground with the coffee and the foam is lifted twice, as it is served in much of the Levant.",
            ),
        ],
    },
    MethodSpec {
        slug: "clever-dripper",
        name: "Clever Dripper",
        category: "immersion",
        description: "A cone dripper with a shut-off valve: the coffee steeps like a French press, then drains through a paper filter when set on a cup. Consistent, forgiving and clean.",
        grind: "medium, like coarse sand",
        ratio: "1:16",
        temp_c: (92, 96),
        time_s: (150, 240),
        equipment: &[
            "Clever Dripper",
            "paper filter (size 4)",
            "kettle",
            "burr grinder",
            "scale",
        ],
        steps: &[
            "Rinse the paper filter in the Clever and discard the water.",
            "Pour in 300 g of water first, then add 18 g of medium coffee.",
            "Stir gently and steep for two minutes with the lid on.",
            "Break the crust with a stir and set the Clever on your cup.",
            "Let it drain, about one minute, and serve.",
        ],
        techniques: &[
            (
                "Water-first Clever",
                "Water goes in before the coffee, so the bed never clogs and the drawdown is the same every time.",
            ),
            (
                "Clever for beginners",
                "Used in brewing classes because it forgives an unsteady pour and shows how much grind size matters.",
            ),
        ],
    },
    MethodSpec {
        slug: "origami-dripper",
        name: "Origami Dripper",
        category: "pour-over",
        description: "A porcelain dripper from Mino, Japan, with twenty deep folds that leave space for air between filter and wall. Takes cone or wave filters, so one dripper brews fast and bright or slower and rounder.",
        grind: "medium-fine, like table salt",
        ratio: "1:16",
        temp_c: (90, 95),
        time_s: (120, 180),
        equipment: &[
            "Origami dripper with holder",
            "cone or wave paper filter",
            "gooseneck kettle",
            "burr grinder",
            "scale",
        ],
        steps: &[
            "Preheat the porcelain dripper and rinse the filter.",
            "Add 15 g of medium-fine coffee.",
            "Bloom with 35 g of water for 30 seconds.",
            "Pour in two or three pulses to 240 g.",
            "Let it drain; total time should be around 2:30.",
        ],
        techniques: &[
            (
                "Origami with wave filters",
                "A flat-bottom wave filter in the folded cone slows the flow for a rounder, sweeter cup from light Ethiopian lots.",
            ),
            (
                "Competition Origami",
                "A cone filter, high agitation and a fast drawdown, as used on Brewers Cup stages, for maximum clarity.",
            ),
        ],
    },
];

/// Builds the brewing guides.
pub(super) fn brewing_methods() -> Result<Vec<BrewingMethod>, DemoError> {
    METHODS
        .iter()
        .map(|m| {
            Ok(BrewingMethod {
                slug: Slug::parse(m.slug)?,
                name: m.name.to_owned(),
                category: m.category.to_owned(),
                description: m.description.to_owned(),
                grind: m.grind.to_owned(),
                ratio: m.ratio.to_owned(),
                water_temperature_c: Range {
                    min: m.temp_c.0,
                    max: m.temp_c.1,
                },
                brew_time_seconds: Range {
                    min: m.time_s.0,
                    max: m.time_s.1,
                },
                equipment: m.equipment.iter().map(|s| (*s).to_owned()).collect(),
                steps: m.steps.iter().map(|s| (*s).to_owned()).collect(),
            })
        })
        .collect()
}
