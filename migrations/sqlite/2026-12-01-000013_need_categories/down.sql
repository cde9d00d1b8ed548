DROP TABLE need_categories;
