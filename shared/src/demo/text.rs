//! Phrase pools the demo text is composed from. Placeholders in braces (`{city}`, `{hood}`,
//! `{method}`, `{origin}`, `{founder}`, `{year}`, `{name}`, `{first}`) are filled by
//! [`fill`]; sentences from several pools are combined so few texts repeat.

use crate::domain::ArtisanRole;

/// Replaces each `{key}` in `template` with its value.
pub(super) fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    vars.iter().fold(template.to_owned(), |text, (key, value)| {
        text.replace(&format!("{{{key}}}"), value)
    })
}

/// First words of generated café names.
pub(super) const NAME_ADJECTIVES: &[&str] = &[
    "Little", "Quiet", "Slow", "Golden", "Wild", "Hidden", "Common", "Copper", "Northern",
    "Honest", "Open", "Second", "Small", "Blue", "Bright", "Humble", "Early", "Velvet", "Paper",
    "Silver", "Good", "Salt", "Crooked", "Lucky", "Tall", "Half", "Sunday", "Steady", "Midnight",
    "Round",
];

/// Nouns for café names ("Copper Kiln", "Fern & Tide").
pub(super) const NAME_NOUNS: &[&str] = &[
    "Ember", "Harbour", "Sparrow", "Kiln", "Orchard", "Lantern", "Compass", "Fern", "Anchor",
    "Tide", "Field", "Grain", "Cedar", "Ridge", "Pebble", "Atlas", "Meadow", "Foundry", "Loom",
    "Ferry", "Magpie", "Heron", "Bloom", "Crema", "Hearth", "Willow", "Moth", "Cherry", "Drift",
    "Canopy", "Bench", "Signal", "Harvest", "Finch", "Saddle", "Stone", "Window", "Otter",
    "Kettle", "Parlour",
];

/// What a café calls itself after its name.
pub(super) const NAME_SUFFIXES: &[&str] = &[
    "Coffee",
    "Coffee Bar",
    "Espresso",
    "Brew Bar",
    "Coffee Roasters",
    "Coffee House",
    "Café",
    "Coffee Lab",
    "Espresso Bar",
    "Coffee Co.",
    "Coffee Room",
    "Filter Bar",
];

/// One-line taglines.
pub(super) const TAGLINES: &[&str] = &[
    "Single-origin pour-overs in the heart of {hood}.",
    "{method} done slowly, {city} done properly.",
    "Seasonal coffee, fresh pastry and a window seat in {hood}.",
    "A tiny bar with a big {origin} habit.",
    "Light roasts, long tables, no rush.",
    "Where {hood} comes for its first cup.",
    "Espresso in the morning, {method} all afternoon.",
    "Traceable coffee from farm to cup, brewed in {city}.",
    "Neighbourhood coffee with a cupping table in the back.",
    "Bright cups, warm room, good records on the turntable.",
    "{origin} on filter, milk drinks that taste of coffee.",
    "Ten seats, one grinder per coffee, zero shortcuts.",
    "The slow-bar of {hood}: ask us what just landed.",
    "Coffee-first, pastry-close-second, in {hood}.",
    "A standing bar for {city} commuters who care about extraction.",
    "Roasted this week, brewed to order.",
    "Green plants, green coffee talk, and great {method}.",
    "Small-batch coffee and big windows onto {hood}.",
    "A coffee counter run by baristas, for baristas and everyone else.",
    "Brew bar, bakery and bean shop under one roof.",
    "Quiet mornings, loud flavours.",
    "We brew {origin} coffee the way the farmers taste it.",
    "Specialty coffee without the attitude in {city}.",
    "A corner café that takes its water as seriously as its beans.",
    "Fresh-roasted {origin}, slow {method}, friendly faces.",
    "Coffee, cardamom buns and conversation.",
    "Open kitchen, open bar, open door to {hood}.",
    "From cherry to cup, told one coffee at a time.",
    "A rotating menu of guest roasters from around the world.",
    "Your daily espresso, and a reason to try something new.",
];

/// First sentence of a café's origin story: who founded it, when and where.
pub(super) const ORIGIN_OPENERS: &[&str] = &[
    "{founder} opened the café in {year} in a former print shop on a quiet corner of {hood}.",
    "It began in {year} as a weekend cart at a {city} market run by {founder}.",
    "{founder} came back to {city} in {year} after five years behind bars abroad and wanted the café they had missed.",
    "The shop started in {year} when {founder} took over a shuttered bakery in {hood}, ovens and all.",
    "In {year}, {founder} and two friends pooled their savings and a second-hand two-group machine.",
    "{founder} spent a harvest season on a farm in {origin} and opened the café in {year} to tell its story.",
    "What is now the bar was a bicycle repair shop until {founder} signed the lease in {year}.",
    "The café grew out of a home-roasting hobby that {founder} turned into a pop-up in {hood} in {year}.",
    "It opened in {year} in a narrow storefront that {founder} found while walking home from a night shift.",
    "{founder}, a former {job}, opened the doors in {year} with one grinder and a hand-painted sign.",
    "It started in {year} as a window counter serving {hood}'s early commuters, run by {founder}.",
    "{founder} left a career as a {job} in {year} to open a place where coffee came first.",
    "A {year} competition run inspired {founder} to open a bar built around {method}.",
    "In {year}, {founder} rebuilt a tiled corner shop in {hood} with help from half the street.",
];

/// Middle sentence of an origin story: how it grew.
pub(super) const ORIGIN_MIDDLES: &[&str] = &[
    "The first menu had three coffees and a single pastry, and the regulars arrived within a month.",
    "Neighbours helped sand the counter, and their names are still written underneath it.",
    "For the first year the roasting happened at night in the back room, after closing.",
    "A visit from a producer from {origin} changed the menu: every coffee now has a name and a harvest date.",
    "The espresso machine came from a café that closed down across town and was restored by hand.",
    "Word spread through {hood} slowly, one flat white at a time.",
    "Early on the team cupped every coffee together before it went on the menu, and still does.",
    "They started buying green coffee directly once they could afford a whole lot on their own.",
    "The brew bar was added after customers kept asking for {method} they could watch being made.",
    "A second room opened next door in the third year, mostly for cupping sessions and classes.",
    "The original grinder still sits on the shelf, retired but polished.",
    "Local bakers and ceramicists joined early: the cups and the croissants are both made nearby.",
    "Long winters taught them that a café is also a living room for the street.",
    "The first roaster they worked with still supplies the house espresso.",
];

/// Last sentence of an origin story: where it stands today.
pub(super) const ORIGIN_CLOSERS: &[&str] = &[
    "Today it is a fixture of {hood}, and the line on Saturday mornings proves it.",
    "It remains small on purpose.",
    "Many of the baristas who trained here now run bars of their own around {city}.",
    "The sign has been repainted, but the menu board is still written by hand every morning.",
    "It is still family-run, and you will usually find {founder} behind the bar on Sundays.",
    "The café now hosts public cuppings every month.",
    "It has outgrown its first room twice, but never its neighbourhood.",
    "These days it roasts for three other cafés in {city} as well.",
    "The regulars from the first week still come in, some with their grandchildren.",
    "It is, as one neighbour put it, the street's kitchen table.",
    "The story is written on the wall by the door, with a photo of the first customer.",
    "It closes early so the team can taste new arrivals together in the evening.",
];

/// First sentence of a philosophy: what the café believes.
pub(super) const PHILOSOPHY_BELIEFS: &[&str] = &[
    "We believe great coffee starts with paying farmers properly.",
    "Coffee is a fruit, and we roast and brew it to taste like one.",
    "Hospitality comes first; the coffee should make people feel welcome, not tested.",
    "Every cup should be traceable back to the people who grew it.",
    "Freshness is not negotiable: beans leave the shelf three weeks after roasting.",
    "We think the best coffee is the one you want a second cup of.",
    "Seasonality matters as much in coffee as it does in a kitchen.",
    "A café is a public space, and everyone deserves the same care at the counter.",
    "Precision in the recipe frees us to be relaxed with the guest.",
    "We would rather do five things very well than twenty things adequately.",
    "Transparency on prices paid to producers is part of the menu, not a footnote.",
    "Good coffee should be approachable, not a lecture.",
];

/// Second sentence of a philosophy: what it does about it.
pub(super) const PHILOSOPHY_PRACTICES: &[&str] = &[
    "That is why our menu changes with the harvests rather than the calendar.",
    "Every recipe is weighed, timed and tasted again when a new bag is opened.",
    "We filter and remineralise our water to a fixed recipe for clarity and sweetness.",
    "Milk comes from a single nearby dairy, and there is always an oat option at no extra cost.",
    "Our baristas rotate between the bar, the roaster and the cupping table.",
    "We publish what we paid for each green coffee on the bag.",
    "Single origins go on filter; the espresso changes whenever a coffee tastes ready.",
    "We compost our grounds with a community garden down the road.",
    "Cups are real ceramic unless you bring your own.",
    "We work with importers who visit their producers every season.",
    "We roast light enough to taste the origin and long enough to taste sweet.",
    "Nothing is pre-ground, nothing sits in a thermos, and nothing is rushed.",
];

/// Last sentence of a philosophy: an invitation to the guest.
pub(super) const PHILOSOPHY_INVITATIONS: &[&str] = &[
    "Ask us anything: we love talking about it.",
    "If a coffee isn't for you, tell us and we will brew you another.",
    "Come to a Saturday cupping and taste the difference yourself.",
    "Bring a friend who thinks they do not like black coffee.",
    "Take a bag home and we will write the recipe on it.",
    "Sit as long as you like.",
    "We would rather you linger than hurry.",
    "The best seat is at the bar, where you can watch every step.",
    "Tell us how you brew at home and we will help you dial it in.",
    "Your feedback shapes next season's menu.",
];

/// What founders did before coffee.
pub(super) const FORMER_JOBS: &[&str] = &[
    "architect",
    "nurse",
    "sound engineer",
    "chemistry teacher",
    "chef",
    "graphic designer",
    "journalist",
    "software developer",
    "carpenter",
    "florist",
    "sommelier",
    "bookseller",
];

/// First sentence of a roaster's description.
pub(super) const ROASTER_OPENERS: &[&str] = &[
    "{name} is a small-batch roastery founded in {city} in {year}.",
    "Founded in {year}, {name} roasts on a restored drum roaster in an old {city} warehouse.",
    "{name} began roasting in {year} in a garage in {city} and now supplies cafés across the region.",
    "Since {year}, {name} has been roasting seasonal, traceable coffee in {city}.",
    "{name} was started in {year} by two former baristas who wanted to roast the coffees they loved to brew.",
    "A {city} institution since {year}, {name} roasts six days a week in full view of its café.",
    "{name} is a {city} roastery, founded in {year}, that buys almost everything through direct relationships.",
    "Based in {city} since {year}, {name} roasts exclusively on a solar-powered fluid-bed roaster.",
];

/// Second sentence of a roaster's description: what it is known for.
pub(super) const ROASTER_FOCUS: &[&str] = &[
    "Its roasts are light and clean, aiming for clarity and sweetness.",
    "The team publishes every price paid to producers on its website.",
    "It is known for sourcing competition lots from East Africa and Central America.",
    "Every coffee is cupped at least three times before release.",
    "Its espresso blends change with the seasons to keep them tasting fresh.",
    "It works with the same producers year after year, pre-financing harvests where it can.",
    "It runs a public training lab for home brewers and professional baristas alike.",
    "Its packaging is compostable and its delivery bikes are electric.",
    "The roastery hosts open cuppings every Friday afternoon.",
    "It champions women-led cooperatives and pays premiums tied to quality and community projects.",
];

/// Roast styles roasters describe themselves with.
pub(super) const ROAST_STYLES: &[&str] = &[
    "Nordic light",
    "light",
    "light-medium",
    "medium",
    "omni-roast",
    "filter-forward light",
    "medium-dark for espresso",
    "light for filter, medium for espresso",
];

/// What roasters specialise in.
pub(super) const ROASTER_SPECIALTIES: &[&str] = &[
    "washed Ethiopian coffees",
    "natural-process Ethiopians",
    "Colombian microlots",
    "anaerobic fermentation experiments",
    "seasonal espresso blends",
    "sugarcane-process decaf",
    "Gesha lots",
    "single-estate Kenyans",
    "Rwandan and Burundian washed lots",
    "Brazilian naturals for espresso",
    "Central American honeys",
    "competition lots",
    "direct trade with Huila producers",
    "Sumatran wet-hulled coffees",
    "cold-brew blends",
    "omni-roasts for home brewers",
    "women-producer lots",
    "rare varieties (Sidra, Pink Bourbon)",
];

/// First sentence of an artisan's bio: how they came to coffee.
pub(super) const BIO_OPENERS: &[&str] = &[
    "{first} has been working with coffee since {since}, first as a weekend barista and later full time.",
    "{first} discovered specialty coffee in {since} while studying in {city} and never looked back.",
    "A {city} local, {first} pulled a first shot in {since} and has been chasing a better one ever since.",
    "{first} swapped an office job for a coffee bar in {since}.",
    "Since {since}, {first} has worked in cafés on three continents before settling in {city}.",
    "{first} began in {since} washing cups at a roastery and worked up from there.",
    "{first} grew up above a café and started helping behind the counter in {since}.",
    "After a harvest spent picking cherry in {since}, {first} came home determined to work in coffee.",
];

/// Role-specific middle sentence of an artisan's bio.
pub(super) fn role_sentences(role: ArtisanRole) -> &'static [&'static str] {
    match role {
        ArtisanRole::Owner => &[
            "As owner, {first} handles green buying and still works the bar on busy mornings.",
            "{first} founded {cafe} and sets the tone: careful coffee, generous hospitality.",
            "{first} runs {cafe} and spends the slow hours cupping new samples with the team.",
        ],
        ArtisanRole::HeadBarista => &[
            "As head barista at {cafe}, {first} writes the recipes and trains every new hire.",
            "{first} leads the bar at {cafe} and has placed in national brewing competitions.",
            "{first} dials in the espresso at {cafe} each morning and looks after the brew bar menu.",
        ],
        ArtisanRole::Barista => &[
            "At {cafe}, {first} is the one regulars ask for their usual before they reach the counter.",
            "{first} pours latte art at {cafe} and is training for a first competition.",
            "{first} runs the filter bar at {cafe} and loves recommending something unexpected.",
        ],
        ArtisanRole::Roaster => &[
            "{first} roasts for {cafe}, developing profiles that bring out each coffee's sweetness.",
            "At {cafe}, {first} runs the roaster, logs every batch and cups each one the next day.",
            "{first} manages green coffee and roasting at {cafe}, working closely with importers.",
        ],
        ArtisanRole::QGrader => &[
            "A licensed Q Grader, {first} scores every coffee {cafe} considers buying.",
            "{first} leads quality control at {cafe} and teaches public sensory classes.",
            "{first} calibrates the team's palates at {cafe} with weekly blind cuppings.",
        ],
        ArtisanRole::PastryChef => &[
            "{first} bakes everything on the counter at {cafe}, from morning buns to seasonal tarts.",
            "At {cafe}, {first} builds the pastry menu around the coffees on the bar.",
            "{first} runs the kitchen at {cafe} and laminates croissant dough before sunrise.",
        ],
    }
}

/// Last sentence of an artisan's bio: something personal.
pub(super) const BIO_CLOSERS: &[&str] = &[
    "Outside work: cycling, books and vintage hand grinders.",
    "Ask about fermentation and you will be there a while.",
    "A firm believer that the best coffee is the one shared with someone.",
    "Days off are spent visiting other cafés around {city} for inspiration.",
    "Keeps a notebook of every coffee tasted since the first day.",
    "Happiest when a guest comes back to say a recipe worked at home.",
    "Dreams of visiting origin every harvest season.",
    "Weekends usually start at the farmers' market, sourcing fruit for the menu.",
    "Collects cups from ceramicists in every city {first} visits.",
    "Still gets excited about the first bloom of a fresh bag.",
];

/// Specialties an artisan in `role` may list.
pub(super) fn role_specialties(role: ArtisanRole) -> &'static [&'static str] {
    match role {
        ArtisanRole::Owner => &[
            "green coffee buying",
            "hospitality",
            "café design",
            "producer relationships",
            "team training",
        ],
        ArtisanRole::HeadBarista => &[
            "espresso dial-in",
            "competition brewing",
            "recipe development",
            "water chemistry",
            "barista training",
        ],
        ArtisanRole::Barista => &[
            "latte art",
            "milk texturing",
            "pour-over",
            "AeroPress",
            "customer education",
            "signature drinks",
        ],
        ArtisanRole::Roaster => &[
            "roast profiling",
            "green coffee grading",
            "production roasting",
            "espresso blends",
            "sample roasting",
        ],
        ArtisanRole::QGrader => &[
            "cupping",
            "sensory training",
            "green coffee grading",
            "defect analysis",
            "calibration",
        ],
        ArtisanRole::PastryChef => &[
            "laminated doughs",
            "sourdough",
            "cardamom buns",
            "vegan baking",
            "seasonal tarts",
        ],
    }
}
