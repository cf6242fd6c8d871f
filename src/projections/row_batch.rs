//! A batch's changes to one read-model table, folded per row in memory, so the projector
//! writes each changed row once (one statement for all updates, one for all inserts)
//! instead of one statement per event. The fold is the row change functions applied in
//! order (`schedule_row.rs`, `run_row.rs`): what the table ends up holding is what applying
//! the events one by one would have left.

use std::collections::HashMap;

use uuid::Uuid;

/// An update of a row, as the change functions decide it.
pub(super) trait RowUpdate: Sized {
    type Row;
    /// Applies the update to a row in memory (the table statement's rule).
    fn apply_to(self, row: &mut Self::Row);
    /// This update followed by `later`, as one update.
    fn then(self, later: Self) -> Self;
}

/// Every change of the batch to one row.
enum Folded<R, U> {
    /// A row the batch did not create: its updates as one.
    Update(U),
    /// A row the batch created, with its later updates applied. Updates before the
    /// creation change the table only if the row already exists (and then the insert fails
    /// on its key, as it would have event by event); they are kept to be written first.
    Insert { before: Option<U>, row: R },
}

/// The folded changes of a batch to one table.
pub(super) struct RowChanges<R, U> {
    /// Ids in the order they were first changed (the statements' row order).
    order: Vec<Uuid>,
    rows: HashMap<Uuid, Folded<R, U>>,
}

impl<R, U> Default for RowChanges<R, U> {
    fn default() -> Self {
        Self {
            order: Vec::new(),
            rows: HashMap::new(),
        }
    }
}

impl<R, U: RowUpdate<Row = R>> RowChanges<R, U> {
    /// The row `id` is created. A row is created by its aggregate's first event only, so a
    /// batch holds one creation per row at most.
    pub fn insert(&mut self, id: Uuid, row: R) {
        let folded = match self.rows.remove(&id) {
            None => {
                self.order.push(id);
                Folded::Insert { before: None, row }
            }
            Some(Folded::Update(before)) => Folded::Insert {
                before: Some(before),
                row,
            },
            Some(Folded::Insert { before, .. }) => Folded::Insert { before, row },
        };
        self.rows.insert(id, folded);
    }

    pub fn update(&mut self, id: Uuid, update: U) {
        let folded = match self.rows.remove(&id) {
            None => {
                self.order.push(id);
                Folded::Update(update)
            }
            Some(Folded::Update(earlier)) => Folded::Update(earlier.then(update)),
            Some(Folded::Insert { before, mut row }) => {
                update.apply_to(&mut row);
                Folded::Insert { before, row }
            }
        };
        self.rows.insert(id, folded);
    }

    /// What to write: the updates of existing rows (written first), and the new rows.
    pub fn into_writes(mut self) -> (Vec<(Uuid, U)>, Vec<R>) {
        let mut updates = Vec::new();
        let mut inserts = Vec::new();
        for id in self.order {
            match self.rows.remove(&id) {
                Some(Folded::Update(update)) => updates.push((id, update)),
                Some(Folded::Insert { before, row }) => {
                    updates.extend(before.map(|update| (id, update)));
                    inserts.push(row);
                }
                None => {}
            }
        }
        (updates, inserts)
    }
}
