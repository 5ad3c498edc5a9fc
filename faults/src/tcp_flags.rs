//! TCP flags, as the switch reads them to count connections and resets.

use std::fmt;

/// The TCP flags byte (byte 13 of the TCP header).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(u8);

impl TcpFlags {
    /// FIN: the sender has finished sending.
    pub const FIN: TcpFlags = TcpFlags(0x01);
    /// SYN: opens a connection.
    pub const SYN: TcpFlags = TcpFlags(0x02);
    /// RST: resets a connection.
    pub const RST: TcpFlags = TcpFlags(0x04);
    /// PSH: push buffered data to the application.
    pub const PSH: TcpFlags = TcpFlags(0x08);
    /// ACK: the acknowledgement number is valid.
    pub const ACK: TcpFlags = TcpFlags(0x10);

    /// No flags (also what non-TCP packets carry).
    pub const fn empty() -> Self {
        TcpFlags(0)
    }

    /// Flags from the raw byte.
    pub const fn from_bits(bits: u8) -> Self {
        TcpFlags(bits)
    }

    /// The raw byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether FIN is set.
    pub const fn fin(self) -> bool {
        self.contains(Self::FIN)
    }

    /// Whether SYN is set.
    pub const fn syn(self) -> bool {
        self.contains(Self::SYN)
    }

    /// Whether RST is set.
    pub const fn rst(self) -> bool {
        self.contains(Self::RST)
    }

    /// Whether ACK is set.
    pub const fn ack(self) -> bool {
        self.contains(Self::ACK)
    }

    /// A connection attempt: SYN without ACK.
    pub const fn is_syn(self) -> bool {
        self.syn() && !self.ack()
    }

    /// The answer to a connection attempt: SYN with ACK.
    pub const fn is_syn_ack(self) -> bool {
        self.syn() && self.ack()
    }
}

impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(TcpFlags, &str); 5] = [
            (TcpFlags::SYN, "SYN"),
            (TcpFlags::ACK, "ACK"),
            (TcpFlags::FIN, "FIN"),
            (TcpFlags::RST, "RST"),
            (TcpFlags::PSH, "PSH"),
        ];
        let mut names = NAMES.iter().filter(|(flag, _)| self.contains(*flag));
        write!(f, "TcpFlags(")?;
        if let Some((_, first)) = names.next() {
            write!(f, "{first}")?;
        }
        for (_, name) in names {
            write!(f, "|{name}")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_debug_names_them() {
        assert_eq!(format!("{:?}", TcpFlags::SYN | TcpFlags::ACK), "TcpFlags(SYN|ACK)");
        assert_eq!(format!("{:?}", TcpFlags::empty()), "TcpFlags()");
    }

    #[test]
    fn syn_and_syn_ack_are_told_apart() {
        let syn_ack = TcpFlags::SYN | TcpFlags::ACK;
        assert!(TcpFlags::SYN.is_syn() && !TcpFlags::SYN.is_syn_ack());
        assert!(syn_ack.is_syn_ack() && !syn_ack.is_syn());
        assert!(syn_ack.syn() && syn_ack.ack() && !syn_ack.fin() && !syn_ack.rst());
        assert_eq!(TcpFlags::from_bits(0x14), TcpFlags::RST | TcpFlags::ACK);
    }
}
