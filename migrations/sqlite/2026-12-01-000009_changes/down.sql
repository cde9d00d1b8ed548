DROP TABLE changes_purged;
DROP TABLE change_partners;
DROP TABLE changes;
