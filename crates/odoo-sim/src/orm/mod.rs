//! The generic ORM: schema, store, environment, domains, CRUD, `read_group` and `load`.

pub mod crud;
pub mod domain;
pub mod env;
pub mod load;
pub mod methods;
pub mod read_group;
pub mod schema;
pub mod store;
