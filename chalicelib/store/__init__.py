"""DynamoDB through PynamoDB: the only package that imports pynamodb or the models. The rest of
the app calls these modules' functions, one module per aggregate, and writes through a unit of
work (unit_of_work.py) over one connection per process (connection.py)."""
