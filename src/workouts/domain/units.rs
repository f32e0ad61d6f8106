//! Units a user enters and reads weights and distances in. Values are stored
//! canonically (whole grams and metres); each unit converts exactly enough
//! that what a user typed is what they read again: 225 lb is stored as
//! 102,058 g and shown as 225 lb.
//!
//! Conversion factors are the international pound (0.45359237 kg) and mile
//! (1,609.344 m), both exact by definition (the 1959 international yard and
//! pound agreement).

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The most a set's weight may be, in grams (1,000 kg; 2,204.62 lb).
pub const MAX_WEIGHT_G: u32 = 1_000_000;
/// The longest a set's distance may be, in metres (1,000 km; 621.371 mi).
pub const MAX_DISTANCE_M: u32 = 1_000_000;

/// Grams in one pound, times 10^7.
const G_PER_LB_E7: u128 = 4_535_923_700;
/// Millimetres in one mile.
const MM_PER_MI: u128 = 1_609_344;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightUnit {
    #[default]
    Kg,
    Lb,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DistanceUnit {
    #[default]
    Km,
    Mi,
}

/// A user's unit preference: how the forms read and the pages show values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    pub weight: WeightUnit,
    pub distance: DistanceUnit,
}

impl WeightUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kg => "kg",
            Self::Lb => "lb",
        }
    }

    /// `kg` or `lb`, any case; anything else is a 422 on `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "kg" | "kgs" => Ok(Self::Kg),
            "lb" | "lbs" => Ok(Self::Lb),
            _ => Err(AppError::invalid(field, "The weight unit must be kg or lb")),
        }
    }

    /// Decimals a user may type: kilograms to the gram, pounds to the
    /// hundredth (a hundredth of a pound is 4.5 g, so it survives the trip
    /// through whole grams).
    pub fn decimals(self) -> u32 {
        match self {
            Self::Kg => 3,
            Self::Lb => 2,
        }
    }

    /// A typed amount (`102.5`, `102,5`) in this unit, as whole grams, in
    /// `0..=MAX_WEIGHT_G`; `None` when blank. Errors name `field`.
    pub fn parse_grams(self, field: &str, raw: &str) -> Result<Option<u32>, AppError> {
        let invalid = || {
            AppError::invalid(
                field,
                format!(
                    "The weight must be a number from 0 to {} {}, with up to {} decimals",
                    self.format_grams(MAX_WEIGHT_G),
                    self.as_str(),
                    self.decimals()
                ),
            )
        };
        let Some(scaled) = parse_decimal(raw, self.decimals()).map_err(|_| invalid())? else {
            return Ok(None);
        };
        let grams = match self {
            Self::Lb => round_div(u128::from(scaled) * G_PER_LB_E7, 1_000_000_000),
            Self::Kg => u128::from(scaled),
        };
        u32::try_from(grams)
            .ok()
            .filter(|g| *g <= MAX_WEIGHT_G)
            .map(Some)
            .ok_or_else(invalid)
    }

    /// Whole grams in this unit, to the unit's decimals, without trailing
    /// zeros: `102058` g reads `225` in lb and `102.058` in kg.
    pub fn format_grams(self, grams: u32) -> String {
        match self {
            Self::Kg => format_scaled(u128::from(grams), 3),
            Self::Lb => format_scaled(round_div(u128::from(grams) * 1_000_000_000, G_PER_LB_E7), 2),
        }
    }

    /// Grams from a number in this unit that an import file wrote with any
    /// number of decimals (rounded to the gram). `None` when out of range.
    pub fn grams_from_f64(self, value: f64) -> Option<u32> {
        let grams = match self {
            Self::Kg => value * 1000.0,
            Self::Lb => value * 453.592_37,
        };
        (grams.is_finite() && (0.0..=f64::from(MAX_WEIGHT_G)).contains(&grams.round()))
            .then(|| grams.round() as u32)
    }
}

impl DistanceUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Km => "km",
            Self::Mi => "mi",
        }
    }

    /// `km` or `mi` (also `miles`), any case; anything else is a 422 on `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "km" => Ok(Self::Km),
            "mi" | "mile" | "miles" => Ok(Self::Mi),
            _ => Err(AppError::invalid(
                field,
                "The distance unit must be km or mi",
            )),
        }
    }

    /// A typed distance in this unit, to three decimals (a thousandth of a
    /// mile is 1.6 m), as whole metres in `1..=MAX_DISTANCE_M`; `None` when
    /// blank. Errors name `field`.
    pub fn parse_metres(self, field: &str, raw: &str) -> Result<Option<u32>, AppError> {
        let invalid = || {
            AppError::invalid(
                field,
                format!(
                    "The distance must be a number above 0 and at most {} {}, with up to 3 decimals",
                    self.format_metres(MAX_DISTANCE_M),
                    self.as_str()
                ),
            )
        };
        let Some(scaled) = parse_decimal(raw, 3).map_err(|_| invalid())? else {
            return Ok(None);
        };
        let metres = match self {
            Self::Mi => round_div(u128::from(scaled) * MM_PER_MI, 1_000_000),
            Self::Km => u128::from(scaled),
        };
        u32::try_from(metres)
            .ok()
            .filter(|m| (1..=MAX_DISTANCE_M).contains(m))
            .map(Some)
            .ok_or_else(invalid)
    }

    /// Whole metres in this unit to three decimals, without trailing zeros.
    pub fn format_metres(self, metres: u32) -> String {
        match self {
            Self::Km => format_scaled(u128::from(metres), 3),
            Self::Mi => format_scaled(round_div(u128::from(metres) * 1_000_000, MM_PER_MI), 3),
        }
    }

    /// Metres from a number in this unit written with any number of decimals
    /// (rounded to the metre). `None` when out of range.
    pub fn metres_from_f64(self, value: f64) -> Option<u32> {
        let metres = match self {
            Self::Km => value * 1000.0,
            Self::Mi => value * 1609.344,
        };
        let metres = metres.round();
        (metres.is_finite() && (1.0..=f64::from(MAX_DISTANCE_M)).contains(&metres))
            .then_some(metres as u32)
    }
}

/// Rounds `numerator / denominator` half up.
fn round_div(numerator: u128, denominator: u128) -> u128 {
    (numerator + denominator / 2) / denominator
}

/// What [`parse_decimal`] refuses: not a plain non-negative decimal with at
/// most the decimals allowed. Callers turn it into an error on their field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADecimal;

/// A non-negative decimal with a `.` or `,` separator and at most `decimals`
/// decimals, scaled by 10^decimals (`"2.5"` with 3 decimals is 2500). `None`
/// when blank.
pub fn parse_decimal(raw: &str, decimals: u32) -> Result<Option<u64>, NotADecimal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (whole, fraction) = raw.split_once(['.', ',']).unwrap_or((raw, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !all_digits(whole)
        || !all_digits(fraction)
        || whole.len() > 12
        || fraction.len() > decimals as usize
    {
        return Err(NotADecimal);
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| NotADecimal)?
    };
    let width = decimals as usize;
    let fraction: u64 = if width == 0 {
        0
    } else {
        format!("{fraction:0<width$}")
            .parse()
            .map_err(|_| NotADecimal)?
    };
    Ok(Some(whole * 10u64.pow(decimals) + fraction))
}

/// `value / 10^decimals` as a short decimal: (5200, 3) reads `5.2`.
pub(super) fn format_scaled(value: u128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let (whole, fraction) = (value / scale, value % scale);
    if fraction == 0 {
        whole.to_string()
    } else {
        let width = decimals as usize;
        format!("{whole}.{fraction:0width$}")
            .trim_end_matches('0')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_come_back_as_typed() {
        assert_eq!(
            WeightUnit::Lb.parse_grams("w", "225").unwrap(),
            Some(102_058)
        );
        assert_eq!(WeightUnit::Lb.format_grams(102_058), "225");
        assert_eq!(WeightUnit::Kg.format_grams(102_058), "102.058");
        // Every hundredth of a pound up to the limit survives the trip
        // through whole grams.
        for hundredths in 0..=220_462u64 {
            let typed = format_scaled(u128::from(hundredths), 2);
            let grams = WeightUnit::Lb.parse_grams("w", &typed).unwrap().unwrap();
            assert_eq!(WeightUnit::Lb.format_grams(grams), typed);
        }
    }

    #[test]
    fn miles_come_back_as_typed() {
        assert_eq!(
            DistanceUnit::Mi.parse_metres("d", "3.1").unwrap(),
            Some(4_989)
        );
        for thousandths in 1..=621_371u64 {
            let typed = format_scaled(u128::from(thousandths), 3);
            let metres = DistanceUnit::Mi.parse_metres("d", &typed).unwrap().unwrap();
            assert_eq!(DistanceUnit::Mi.format_metres(metres), typed);
        }
    }

    #[test]
    fn kilograms_and_kilometres_are_exact() {
        assert_eq!(
            WeightUnit::Kg.parse_grams("w", "82,5").unwrap(),
            Some(82_500)
        );
        assert_eq!(WeightUnit::Kg.parse_grams("w", " ").unwrap(), None);
        assert_eq!(WeightUnit::Kg.parse_grams("w", "0").unwrap(), Some(0));
        assert_eq!(
            DistanceUnit::Km.parse_metres("d", "5.5").unwrap(),
            Some(5_500)
        );
        assert_eq!(DistanceUnit::Km.format_metres(5_500), "5.5");
    }

    #[test]
    fn out_of_range_or_malformed_amounts_name_their_field() {
        for raw in [
            "-1",
            "1000.001",
            "1e3",
            "NaN",
            ".",
            "1.2345",
            "9999999999999",
        ] {
            let err = WeightUnit::Kg.parse_grams("weight", raw).unwrap_err();
            assert_eq!(err.field(), Some("weight"), "{raw}");
        }
        assert!(WeightUnit::Lb.parse_grams("weight", "2204.63").is_err());
        assert!(WeightUnit::Lb.parse_grams("weight", "2204.62").is_ok());
        assert!(WeightUnit::Lb.parse_grams("weight", "1.005").is_err());
        assert!(DistanceUnit::Km.parse_metres("distance", "0").is_err());
        assert!(
            DistanceUnit::Mi
                .parse_metres("distance", "621.372")
                .is_err()
        );
    }

    #[test]
    fn unit_names_parse_in_any_case() {
        assert_eq!(WeightUnit::parse("u", " LBS ").unwrap(), WeightUnit::Lb);
        assert_eq!(DistanceUnit::parse("u", "Miles").unwrap(), DistanceUnit::Mi);
        assert_eq!(WeightUnit::parse("u", "st").unwrap_err().field(), Some("u"));
    }

    #[test]
    fn file_numbers_round_to_the_gram_and_metre() {
        assert_eq!(WeightUnit::Lb.grams_from_f64(225.0), Some(102_058));
        assert_eq!(WeightUnit::Kg.grams_from_f64(-1.0), None);
        assert_eq!(WeightUnit::Kg.grams_from_f64(f64::NAN), None);
        assert_eq!(DistanceUnit::Mi.metres_from_f64(1.0), Some(1_609));
        assert_eq!(DistanceUnit::Km.metres_from_f64(0.0), None);
    }
}
