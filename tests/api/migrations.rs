use crate::both;
use crate::support::TestDb;

both!(migrations_revert_and_reapply);

async fn migrations_revert_and_reapply(db: TestDb) {
    let mut conn = db.pool.get().unwrap();
    let reverted = partnerships::db::revert_all_migrations(&mut conn).expect("down.sql runs");
    assert!(!reverted.is_empty());
    let applied = partnerships::db::run_migrations(&mut conn).expect("up.sql runs again");
    assert_eq!(applied.len(), reverted.len());
    assert!(
        partnerships::db::run_migrations(&mut conn)
            .unwrap()
            .is_empty(),
        "idempotent"
    );
}
