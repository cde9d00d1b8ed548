DROP TABLE committee_meetings;
DROP TABLE committee_members;
DROP TABLE committees;
