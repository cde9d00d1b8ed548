DROP TABLE facility_bookings;
DROP TABLE facilities;
