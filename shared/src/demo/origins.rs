//! Coffee origins the demo cafés buy from: real growing regions with the producers, varieties,
//! processes and altitudes typical of each.

use crate::domain::{ProcessMethod, ProducerKind};

use ProcessMethod::{Anaerobic, CarbonicMaceration, Honey, Natural, Washed, WetHulled};
use ProducerKind::{Cooperative, Estate, Farm, WashingStation};

/// A growing region and the lots it offers.
pub(super) struct Origin {
    pub country: &'static str,
    pub region: &'static str,
    /// Short place name for prose ("Huila", "Nyeri").
    pub area: &'static str,
    /// (full name, short name used in the coffee's menu name, kind).
    pub producers: &'static [(&'static str, &'static str, ProducerKind)],
    pub varieties: &'static [&'static str],
    pub processes: &'static [ProcessMethod],
    /// Altitude range in metres above sea level.
    pub altitude_m: (u16, u16),
}

/// Every origin.
pub(super) const ORIGINS: &[Origin] = &[
    Origin {
        country: "ET",
        region: "Yirgacheffe",
        area: "Yirgacheffe",
        producers: &[
            ("Konga Cooperative", "Konga", Cooperative),
            ("Idido Washing Station", "Idido", WashingStation),
            ("Aricha Washing Station", "Aricha", WashingStation),
            ("Worka Cooperative", "Worka", Cooperative),
        ],
        varieties: &["Heirloom", "74110", "74112", "Kurume"],
        processes: &[Washed, Natural],
        altitude_m: (1900, 2200),
    },
    Origin {
        country: "ET",
        region: "Guji",
        area: "Guji",
        producers: &[
            ("Buku Abel Washing Station", "Buku Abel", WashingStation),
            ("Uraga Washing Station", "Uraga", WashingStation),
            ("Guji Highland Farm", "Guji Highland", Farm),
            ("Hambela Estate", "Hambela", Estate),
        ],
        varieties: &["Heirloom", "74158", "Kurume"],
        processes: &[Natural, Washed, Anaerobic],
        altitude_m: (1950, 2350),
    },
    Origin {
        country: "ET",
        region: "Sidama (Bensa)",
        area: "Sidama",
        producers: &[
            ("Bombe Washing Station", "Bombe", WashingStation),
            ("Daye Bensa Farm", "Daye Bensa", Farm),
            ("Shantawene Washing Station", "Shantawene", WashingStation),
        ],
        varieties: &["74158", "Heirloom", "Setami"],
        processes: &[Natural, Washed, Honey],
        altitude_m: (1900, 2300),
    },
    Origin {
        country: "CO",
        region: "Huila",
        area: "Huila",
        producers: &[
            ("Finca El Diviso", "El Diviso", Farm),
            ("Finca Monteblanco", "Monteblanco", Farm),
            ("Coocentral", "Coocentral", Cooperative),
            ("Finca Las Flores", "Las Flores", Farm),
        ],
        varieties: &["Pink Bourbon", "Caturra", "Castillo", "Sidra", "Gesha"],
        processes: &[Washed, Anaerobic, CarbonicMaceration, Natural],
        altitude_m: (1600, 2000),
    },
    Origin {
        country: "CO",
        region: "Nariño",
        area: "Nariño",
        producers: &[
            ("Finca La Esperanza", "La Esperanza", Farm),
            (
                "Asociación de Productores de Buesaco",
                "Buesaco",
                Cooperative,
            ),
            ("Finca El Progreso", "El Progreso", Farm),
        ],
        varieties: &["Caturra", "Castillo", "Typica", "Colombia"],
        processes: &[Washed, Honey],
        altitude_m: (1800, 2300),
    },
    Origin {
        country: "KE",
        region: "Nyeri",
        area: "Nyeri",
        producers: &[
            ("Gichathaini Factory", "Gichathaini", WashingStation),
            ("Gatomboya Factory", "Gatomboya", WashingStation),
            ("Othaya Farmers' Cooperative Society", "Othaya", Cooperative),
            ("Karogoto Factory", "Karogoto", WashingStation),
        ],
        varieties: &["SL28", "SL34", "SL28 & SL34", "Ruiru 11", "Batian"],
        processes: &[Washed],
        altitude_m: (1700, 1950),
    },
    Origin {
        country: "KE",
        region: "Kirinyaga",
        area: "Kirinyaga",
        producers: &[
            ("Kii Factory (Rungeto FCS)", "Kii", WashingStation),
            ("Karimikui Factory", "Karimikui", WashingStation),
            ("Kamwangi Factory", "Kamwangi", WashingStation),
        ],
        varieties: &["SL28", "SL34", "Batian"],
        processes: &[Washed, Natural],
        altitude_m: (1600, 1900),
    },
    Origin {
        country: "PA",
        region: "Boquete",
        area: "Boquete",
        producers: &[
            ("Hacienda La Esmeralda", "Esmeralda", Estate),
            ("Elida Estate", "Elida", Estate),
            ("Finca Los Lajones", "Lajones", Farm),
            ("Finca Santa Teresa", "Santa Teresa", Farm),
        ],
        varieties: &["Gesha", "Catuai", "Pacamara"],
        processes: &[Washed, Natural, Anaerobic],
        altitude_m: (1600, 2500),
    },
    Origin {
        country: "GT",
        region: "Huehuetenango",
        area: "Huehuetenango",
        producers: &[
            ("Finca El Injerto", "El Injerto", Estate),
            ("ASOBAGRI", "Asobagri", Cooperative),
            ("Finca La Bolsa", "La Bolsa", Farm),
            ("Finca La Esperanza", "La Esperanza", Farm),
        ],
        varieties: &["Bourbon", "Caturra", "Pacamara", "Catuai"],
        processes: &[Washed, Natural],
        altitude_m: (1500, 2000),
    },
    Origin {
        country: "RW",
        region: "Nyamasheke",
        area: "Nyamasheke",
        producers: &[
            ("Kanzu Washing Station", "Kanzu", WashingStation),
            ("Gitesi Washing Station", "Gitesi", WashingStation),
            ("Buf Café (Remera)", "Remera", WashingStation),
        ],
        varieties: &["Red Bourbon"],
        processes: &[Washed, Natural, Honey],
        altitude_m: (1700, 2000),
    },
    Origin {
        country: "RW",
        region: "Gakenke",
        area: "Gakenke",
        producers: &[
            ("Abakundakawa Cooperative", "Abakundakawa", Cooperative),
            ("Muhondo Washing Station", "Muhondo", WashingStation),
        ],
        varieties: &["Red Bourbon"],
        processes: &[Washed, Natural],
        altitude_m: (1800, 2100),
    },
    Origin {
        country: "BR",
        region: "Minas Gerais (Cerrado Mineiro)",
        area: "Cerrado Mineiro",
        producers: &[
            ("Fazenda Daterra", "Daterra", Estate),
            ("Cooxupé", "Cooxupé", Cooperative),
            ("Sítio Canaã", "Canaã", Farm),
        ],
        varieties: &["Yellow Bourbon", "Catuai", "Mundo Novo", "Topázio"],
        processes: &[Natural, Honey],
        altitude_m: (950, 1250),
    },
    Origin {
        country: "BR",
        region: "Minas Gerais (Sul de Minas)",
        area: "Sul de Minas",
        producers: &[
            ("Fazenda Santuário Sul", "Santuário Sul", Estate),
            ("Fazenda Recreio", "Recreio", Farm),
            ("Sítio Vista Alegre", "Vista Alegre", Farm),
        ],
        varieties: &["Yellow Bourbon", "Red Catuai", "Acaiá", "Gesha"],
        processes: &[Natural, Honey, Anaerobic],
        altitude_m: (1100, 1450),
    },
    Origin {
        country: "CR",
        region: "Tarrazú",
        area: "Tarrazú",
        producers: &[
            ("CoopeTarrazú", "Tarrazú", Cooperative),
            ("Don Mayo Micromill", "Don Mayo", Farm),
            ("La Candelilla Micromill", "La Candelilla", Farm),
        ],
        varieties: &["Caturra", "Catuai", "Villa Sarchi", "Geisha"],
        processes: &[Honey, Washed, Natural],
        altitude_m: (1500, 1900),
    },
    Origin {
        country: "ID",
        region: "Sumatra (Aceh, Gayo Highlands)",
        area: "Gayo",
        producers: &[
            ("Permata Gayo Cooperative", "Permata Gayo", Cooperative),
            ("Koperasi Ketiara", "Ketiara", Cooperative),
        ],
        varieties: &["Ateng", "Tim Tim", "Typica", "Abyssinia"],
        processes: &[WetHulled],
        altitude_m: (1200, 1600),
    },
    Origin {
        country: "ID",
        region: "Sumatra (Lintong)",
        area: "Lintong",
        producers: &[("Lintong Nihuta smallholders", "Lintong", Cooperative)],
        varieties: &["Ateng", "Sigarar Utang"],
        processes: &[WetHulled],
        altitude_m: (1300, 1500),
    },
    Origin {
        country: "BI",
        region: "Kayanza",
        area: "Kayanza",
        producers: &[
            ("Bukeye Washing Station", "Bukeye", WashingStation),
            ("Heza Washing Station", "Heza", WashingStation),
        ],
        varieties: &["Red Bourbon"],
        processes: &[Washed, Natural],
        altitude_m: (1700, 2000),
    },
    Origin {
        country: "PE",
        region: "Cajamarca",
        area: "Cajamarca",
        producers: &[
            ("CENFROCAFE", "Cenfrocafe", Cooperative),
            ("Finca La Huaca", "La Huaca", Farm),
        ],
        varieties: &["Caturra", "Typica", "Bourbon", "Gesha"],
        processes: &[Washed],
        altitude_m: (1600, 2000),
    },
    Origin {
        country: "HN",
        region: "Marcala",
        area: "Marcala",
        producers: &[
            ("COMSA", "Comsa", Cooperative),
            ("Finca El Puente", "El Puente", Farm),
        ],
        varieties: &["Parainema", "Catuai", "Pacas"],
        processes: &[Washed, Honey],
        altitude_m: (1400, 1700),
    },
];

/// The word used for a process in a coffee's menu name.
pub(super) fn process_label(process: ProcessMethod) -> &'static str {
    match process {
        Washed => "Washed",
        Natural => "Natural",
        Honey => "Honey",
        Anaerobic => "Anaerobic",
        WetHulled => "Wet-Hulled",
        CarbonicMaceration => "Carbonic Maceration",
    }
}
