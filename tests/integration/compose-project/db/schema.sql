-- The routing table: which upstream channel serves each model.
CREATE TABLE channels (
  model VARCHAR(50) PRIMARY KEY,
  upstream VARCHAR(100) NOT NULL
) ENGINE=InnoDB;

INSERT INTO channels (model, upstream) VALUES
  ('m1', 'upstream-a'), ('m2', 'upstream-b'), ('m3', 'upstream-a'), ('m4', 'upstream-c'), ('m5', 'upstream-b');
