//! A place in the global feed. Events are read in the order of the transaction that wrote
//! them, then of their position within it: `(transaction_id, position)`. Positions are
//! still unique (an event's identity in the API, webhooks and notifications), but they are
//! handed out when a row is inserted, not when it commits, so two concurrent appends can
//! commit in the other order than their positions; the transaction order is the one a
//! reader can follow without a lock (see `feed`).

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedCursor {
    /// The writing transaction's id (`pg_current_xact_id()`); 0 for events written before
    /// appends stopped taking a global lock, which all come first, in position order.
    pub transaction_id: i64,
    /// The event's position.
    pub position: i64,
}

impl FeedCursor {
    /// Before the first event.
    pub const START: Self = Self {
        transaction_id: 0,
        position: 0,
    };

    pub fn new(transaction_id: i64, position: i64) -> Self {
        Self {
            transaction_id,
            position,
        }
    }

    pub fn is_start(&self) -> bool {
        *self == Self::START
    }

    /// The cursor a query returned as two columns, the transaction id at `first` and the
    /// position right after it (every read of a cursor selects them in that order).
    pub fn from_row(row: &tokio_postgres::Row, first: usize) -> Self {
        Self::new(row.get(first), row.get(first + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transaction_orders_before_the_position() {
        let early_transaction_late_position = FeedCursor::new(10, 900);
        let late_transaction_early_position = FeedCursor::new(11, 5);
        assert!(early_transaction_late_position < late_transaction_early_position);
        assert!(FeedCursor::new(10, 899) < early_transaction_late_position);
        assert!(FeedCursor::START < FeedCursor::new(0, 1));
    }
}
